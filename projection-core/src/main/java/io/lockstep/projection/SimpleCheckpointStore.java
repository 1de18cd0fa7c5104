package io.lockstep.projection;

import io.lockstep.projection.internal.Arguments;

/**
 * The {@link CheckpointStore} of a {@link SimpleProjectionStore}: each call runs in a transaction of the store's
 * own, through the same lock and write a runner's batches use, so it keeps the seed's contract (forward only,
 * reset as the way back) and never races a batch. Thread-safe.
 */
final class SimpleCheckpointStore implements CheckpointStore {

    private final SimpleProjectionStore<?> store;
    private final String tenantId;

    SimpleCheckpointStore(SimpleProjectionStore<?> store, String tenantId) {
        this.store = store;
        this.tenantId = tenantId;
    }

    @Override
    public long getCheckpoint(String projectionName) {
        return store.readCheckpoint(key(projectionName)).position();
    }

    @Override
    public void storeCheckpoint(String projectionName, long position) {
        CheckpointKey key = key(projectionName);
        Arguments.requirePosition(position, "position");
        write(store, key, position, true);
    }

    @Override
    public void resetCheckpoint(String projectionName, long position) {
        CheckpointKey key = key(projectionName);
        Arguments.requirePosition(position, "position");
        write(store, key, position, false);
    }

    private static <C> void write(
            SimpleProjectionStore<C> store, CheckpointKey key, long position, boolean forwardOnly) {
        store.inTransaction(StatementMode.IMMEDIATE, tx -> {
            StoredCheckpoint stored = store.lockCheckpoint(tx, key);
            if (forwardOnly && stored.position() > position) {
                throw CheckpointConflictException.backward(key, stored.position(), position);
            }
            if (stored.position() != position) {
                store.writeCheckpoint(tx, key, new StoredCheckpoint(position, stored.paused(), stored.version()));
            }
            return null;
        });
    }

    @Override
    public CheckpointStore forTenant(String tenantId) {
        return new SimpleCheckpointStore(
                store, Arguments.requireKeyPart(tenantId, "tenantId", CheckpointKey.MAX_LENGTH));
    }

    private CheckpointKey key(String projectionName) {
        return new CheckpointKey(tenantId, projectionName);
    }

    @Override
    public String toString() {
        return "checkpoints of " + store + (tenantId.isEmpty() ? "" : " (tenant '" + tenantId + "')");
    }
}
