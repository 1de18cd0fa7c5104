package io.lockstep.example.accounts.redis;

import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.lockstep.projection.InMemoryEventSource;
import io.lockstep.projection.ProjectionListener;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** A Redis URL that does not answer stops the start with a message that says what to do. */
class TopBalancesStartTest {

    @Test
    void anUnreachableRedisIsAClearErrorWithoutTheUrlsPassword() throws Exception {
        // given: a port nothing listens on
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        TopBalances.Settings settings = TopBalances.Settings.of("redis://:secret@127.0.0.1:" + port + "/0");

        // when / then
        assertThatIllegalStateException()
                .isThrownBy(() -> TopBalances.create(settings, new InMemoryEventSource(), ProjectionListener.NONE))
                .withMessageContaining("does not answer at 127.0.0.1:" + port)
                .withMessageContaining("--redis-url")
                .withMessageNotContaining("secret");
    }
}
