package io.lockstep.projection;

/** The users' checkpoint view a {@link SimpleProjectionStore} derives keeps the seed's contract. */
class SimpleCheckpointStoreTest extends CheckpointStoreContract {

    @Override
    protected CheckpointStore newStore() {
        return new MapProjectionStore().checkpoints();
    }
}
