package io.lockstep.projection;

import java.util.List;

/**
 * Commits events with their checkpoint: one store transaction claims the checkpoint (expected to next),
 * applies the handlers and commits. The single place where a runner writes.
 *
 * @param <C> the transaction context
 */
final class BatchCommitter<C> {

    private final Projection<C> projection;
    private final ProjectionStore<C> store;
    private final CheckpointKey key;
    private final StatusTracker status;

    BatchCommitter(Projection<C> projection, ProjectionStore<C> store, CheckpointKey key, StatusTracker status) {
        this.projection = projection;
        this.store = store;
        this.key = key;
        this.status = status;
    }

    /**
     * Applies {@code events} (not empty) in one transaction that moves the checkpoint from {@code expected}
     * to the last event's position.
     *
     * @return the new checkpoint
     * @throws RuntimeException whatever the store or a handler threw; nothing was committed
     */
    long commit(List<Envelope> events, long expected, StatementMode mode) {
        long next = events.getLast().position();
        store.inTransaction(mode, tx -> {
            store.advanceCheckpoint(tx, key, expected, events.getLast());
            projection.apply(events, tx, store.pendingStatements(tx));
            return null;
        });
        status.committed(next, events.size(), events.getLast().recordedAt());
        return next;
    }

    /**
     * Sets the checkpoint to {@code position} and, when {@code clear}, clears the read model, in one
     * transaction: a replay or a reset. The checkpoint row is locked first, so a concurrent batch either
     * committed before (and is cleared) or fails its claim after. A reset keeps the recorded version; a replay
     * records this runner's.
     */
    void reset(long position, boolean clear) {
        int recorded = clear ? store.readCheckpoint(key).version() : projection.version();
        store.inTransaction(StatementMode.IMMEDIATE, tx -> {
            store.resetCheckpoint(tx, key, position);
            if (clear) {
                if (recorded > 0 && recorded != projection.version()) {
                    // A replay rebuilds with this runner's version (e.g. after a downgrade): record it.
                    store.switchVersion(tx, key, recorded, position, projection.version());
                }
                projection.reset(tx);
            }
            return null;
        });
        status.checkpoint(position);
    }

    /**
     * Rebuilds in place for a version bump, if no other runner did: moves the version from {@code from} to
     * {@code to} and the checkpoint to -1 (compare-and-set), and clears the read model, in one transaction.
     */
    void rebuildInPlace(int from, int to) {
        store.inTransaction(StatementMode.IMMEDIATE, tx -> {
            if (store.switchVersion(tx, key, from, -1, to)) {
                projection.reset(tx);
            }
            return null;
        });
    }

    /** Records {@code version} for a projection that has none yet, without moving its checkpoint. */
    void adopt(int version) {
        store.inTransaction(StatementMode.IMMEDIATE, tx -> {
            store.adoptVersion(tx, key, version);
            return null;
        });
    }

    /**
     * Ends a side-by-side build in one transaction: retires the build's checkpoint {@code shadow} (waiting for
     * its batch in flight), and, if no other runner did it first, moves this projection's version from
     * {@code from} to {@code to} with the build's position and promotes the new tables.
     */
    void promote(CheckpointKey shadow, int from, int to, RebuildStrategy.VersionedTables<C> tables) {
        store.inTransaction(StatementMode.IMMEDIATE, tx -> {
            long built = store.retire(tx, shadow);
            if (store.switchVersion(tx, key, from, built, to)) {
                tables.promote(tx, from, to);
            }
            return null;
        });
    }

    /** Runs {@code work} in a transaction of its own. */
    void inTransaction(TransactionWork<C, Void> work) {
        store.inTransaction(StatementMode.IMMEDIATE, work);
    }

    /** Moves the checkpoint past a poison event and records it as a dead letter, in one transaction. */
    long skip(Envelope poison, long expected, Throwable error) {
        store.inTransaction(StatementMode.IMMEDIATE, tx -> {
            store.advanceCheckpoint(tx, key, expected, poison);
            store.recordDeadLetter(tx, DeadLetter.of(key, poison, error));
            return null;
        });
        status.committed(poison.position(), 1, poison.recordedAt());
        return poison.position();
    }
}
