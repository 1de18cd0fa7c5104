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
            store.advanceCheckpoint(tx, key, expected, next);
            projection.apply(events, tx);
            return null;
        });
        status.committed(next, events.size(), events.getLast().recordedAt());
        return next;
    }

    /**
     * Sets the checkpoint to {@code position} with {@code version} and, when {@code clear}, clears the read
     * model, in one transaction: a replay or a version rebuild. The checkpoint row is locked first, so a
     * concurrent batch either committed before (and is cleared) or fails its claim after.
     */
    void reset(long position, int version, boolean clear) {
        store.inTransaction(StatementMode.IMMEDIATE, tx -> {
            store.resetCheckpoint(tx, key, position, version);
            if (clear) {
                projection.reset(tx);
            }
            return null;
        });
        status.checkpoint(position);
    }

    /** Moves the checkpoint past a poison event and records it as a dead letter, in one transaction. */
    long skip(Envelope poison, long expected, Throwable error) {
        store.inTransaction(StatementMode.IMMEDIATE, tx -> {
            store.advanceCheckpoint(tx, key, expected, poison.position());
            store.recordDeadLetter(tx, DeadLetter.of(key, poison, error));
            return null;
        });
        status.committed(poison.position(), 1, poison.recordedAt());
        return poison.position();
    }
}
