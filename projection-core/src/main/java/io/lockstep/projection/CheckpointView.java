package io.lockstep.projection;

import io.lockstep.projection.internal.Arguments;

/**
 * The users' {@link CheckpointStore} of any {@link ProjectionStore}, built only from the SPI the runner uses: a
 * read is {@link ProjectionStore#readCheckpoint}, a store is {@link ProjectionStore#advanceCheckpoint} from the
 * position just read (compare-and-set, retried after a lost race), a reset is
 * {@link ProjectionStore#resetCheckpoint} in a transaction of its own. A tool and a batch therefore move the
 * same checkpoint through the same guarded write and never overwrite each other, on every store alike.
 *
 * <p>A store on a paused projection is refused ({@link CheckpointConflictException}, changing nothing): pausing
 * stops every forward move, and {@link #resetCheckpoint} is the one way to move a paused checkpoint (storing the
 * position it already has stays a no-op). A store that loses the race to other writers 100 times in a row gives
 * up with a {@link TransientStoreException}, having changed nothing. Thread-safe.
 */
final class CheckpointView implements CheckpointStore {

    private static final int MAX_ATTEMPTS = 100;

    private final ProjectionStore<?> store;
    private final String tenantId;

    CheckpointView(ProjectionStore<?> store, String tenantId) {
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
        for (int attempt = 1; ; attempt++) {
            StoredCheckpoint stored = store.readCheckpoint(key);
            if (stored.position() > position) {
                throw CheckpointConflictException.backward(key, stored.position(), position);
            }
            if (stored.position() == position) {
                return;
            }
            if (stored.paused()) {
                throw CheckpointConflictException.pausedProjection(key, stored.position(), position);
            }
            try {
                advance(store, key, stored.position(), position);
                return;
            } catch (CheckpointConflictException lostRace) {
                // Another writer moved, paused or touched the checkpoint since the read: read again and decide
                // anew. Races against busy batches usually end once the checkpoint passes position; the bound
                // ends the call when they keep winning.
                if (attempt == MAX_ATTEMPTS) {
                    throw new TransientStoreException(
                            this + ": storing checkpoint " + key + " at " + position + " lost the race to other"
                                    + " writers " + MAX_ATTEMPTS + " times in a row; nothing was changed. Try again",
                            lostRace);
                }
            }
        }
    }

    private static <C> void advance(ProjectionStore<C> store, CheckpointKey key, long expected, long next) {
        store.inTransaction(StatementMode.IMMEDIATE, tx -> {
            store.advanceCheckpoint(tx, key, expected, next);
            return null;
        });
    }

    @Override
    public void resetCheckpoint(String projectionName, long position) {
        CheckpointKey key = key(projectionName);
        Arguments.requirePosition(position, "position");
        reset(store, key, position);
    }

    private static <C> void reset(ProjectionStore<C> store, CheckpointKey key, long position) {
        store.inTransaction(StatementMode.IMMEDIATE, tx -> {
            store.resetCheckpoint(tx, key, position);
            return null;
        });
    }

    @Override
    public CheckpointStore forTenant(String tenantId) {
        return new CheckpointView(store, Arguments.requireKeyPart(tenantId, "tenantId", CheckpointKey.MAX_LENGTH));
    }

    private CheckpointKey key(String projectionName) {
        return new CheckpointKey(tenantId, projectionName);
    }

    @Override
    public String toString() {
        return "checkpoints of " + store + (tenantId.isEmpty() ? "" : " (tenant '" + tenantId + "')");
    }
}
