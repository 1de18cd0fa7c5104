package io.lockstep.projection;

import org.junit.jupiter.api.Nested;

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
}
