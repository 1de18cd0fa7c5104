package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardingProjectionStoreTest {

    @Test
    void passesOnEveryInstanceMethodOfTheSpiDefaultsIncluded() {
        List<String> notForwarded = Arrays.stream(ProjectionStore.class.getMethods())
                .filter(m -> !Modifier.isStatic(m.getModifiers()))
                .filter(m -> !declaredByForwarding(m))
                .map(Method::toString)
                .toList();
        assertThat(notForwarded)
                .as("ProjectionStore methods ForwardingProjectionStore does not pass on")
                .isEmpty();
    }

    @Test
    void theProbeOfTheDelegateIsTheProbeOfTheWrapper() {
        InMemoryProjectionStore delegate = ProjectionStore.inMemory();
        ProjectionStore<InMemoryTransaction> wrapper = new ForwardingProjectionStore<>(delegate) {};
        delegate.failProbes(true);
        org.assertj.core.api.Assertions.assertThatThrownBy(wrapper::probe).hasMessageContaining("probe");
    }

    private static boolean declaredByForwarding(Method method) {
        try {
            ForwardingProjectionStore.class.getDeclaredMethod(method.getName(), method.getParameterTypes());
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
