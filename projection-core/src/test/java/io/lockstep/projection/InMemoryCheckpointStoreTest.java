package io.lockstep.projection;

/** Runs the {@link CheckpointStoreContract} against {@link CheckpointStore#inMemory()}. */
class InMemoryCheckpointStoreTest extends CheckpointStoreContract {

    @Override
    protected CheckpointStore newStore() {
        return CheckpointStore.inMemory();
    }
}
