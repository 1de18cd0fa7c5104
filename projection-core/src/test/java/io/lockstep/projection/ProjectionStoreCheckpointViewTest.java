package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The users' checkpoint view every {@link ProjectionStore} derives keeps the seed's contract, on the stores of
 * this module (PostgreSQL and Redis run it in theirs).
 */
class ProjectionStoreCheckpointViewTest {

    @Nested
    class OnASimpleProjectionStore extends CheckpointStoreContract {
        @Override
        protected CheckpointStore newStore() {
            return new MapProjectionStore().checkpoints();
        }
    }

    @Nested
    class OnTheInMemoryProjectionStore extends CheckpointStoreContract {
        @Override
        protected CheckpointStore newStore() {
            return ProjectionStore.inMemory().checkpoints();
        }
    }

    @Test
    void aStoreThatLosesEveryRaceGivesUpWithATransientFailureAndChangesNothing() {
        // given: a store whose every advance loses to another writer that never gets past position 3
        InMemoryProjectionStore inner = ProjectionStore.inMemory();
        inner.checkpoints().storeCheckpoint("balances", 3);
        AtomicInteger attempts = new AtomicInteger();
        ProjectionStore<InMemoryTransaction> losing = new ForwardingProjectionStore<>(inner) {
            @Override
            public void advanceCheckpoint(InMemoryTransaction tx, CheckpointKey key, long expected, long next) {
                attempts.incrementAndGet();
                throw CheckpointConflictException.concurrentAdvance(key, expected, expected);
            }
        };
        CheckpointStore view = new CheckpointView(losing, CheckpointKey.NO_TENANT);

        // when / then
        assertThatThrownBy(() -> view.storeCheckpoint("balances", 9))
                .isInstanceOf(TransientStoreException.class)
                .hasMessageContaining("lost the race to other writers 100 times")
                .hasCauseInstanceOf(CheckpointConflictException.class);
        assertThat(attempts).hasValue(100);
        assertThat(view.getCheckpoint("balances")).isEqualTo(3);
    }
}
