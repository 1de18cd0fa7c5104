package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class PartitionSetTest {

    record Noted(String text) {}

    private static Projection<InMemoryTransaction> named(String name) {
        return Projection.<InMemoryTransaction>builder(name)
                .on(Noted.class, (event, envelope, tx) -> {})
                .build();
    }

    @Test
    void refusesUpFrontANameWhosePartitionCheckpointsWouldPassTheLimit() {
        // given: a name the limit allows, whose partitions' checkpoints add "[i/n]" to it
        String longest = "n".repeat(CheckpointKey.MAX_LENGTH);
        InMemoryProjectionStore store = ProjectionStore.inMemory();

        // when / then: refused when the set is made, naming the limit and the length that fits
        assertThatIllegalArgumentException()
                .isThrownBy(() -> PartitionSet.of(named(longest), store, CheckpointKey.NO_TENANT, 16))
                .withMessageContaining("[15/16]")
                .withMessageContaining("limit is " + CheckpointKey.MAX_LENGTH)
                .withMessageContaining("at most " + (CheckpointKey.MAX_LENGTH - "[15/16]".length()));
        assertThat(PartitionSet.of(named(longest), store, CheckpointKey.NO_TENANT, 1)
                        .partitions())
                .hasSize(1);
        String fits = "n".repeat(CheckpointKey.MAX_LENGTH - "[15/16]".length());
        PartitionSet<InMemoryTransaction> set = PartitionSet.of(named(fits), store, CheckpointKey.NO_TENANT, 16);
        assertThat(set.partitions())
                .allSatisfy(
                        p -> assertThat(set.key(p).projection()).hasSizeLessThanOrEqualTo(CheckpointKey.MAX_LENGTH));
    }
}
