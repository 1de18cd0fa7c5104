package io.lockstep.projection;

import io.lockstep.projection.internal.Arguments;

/**
 * The short way to write a {@link ProjectionStore} for another database: implement five methods
 * ({@link #inTransaction}, {@link #lockCheckpoint}, {@link #writeCheckpoint}, {@link #readCheckpoint} and
 * {@link #recordDeadLetter}); every other operation of the SPI (advancing by compare-and-set, reset, versions,
 * pause, retire) is derived from them here, with the semantics the {@code ProjectionStoreContract} test suite
 * checks, and the users' {@link CheckpointStore} view comes with every {@link ProjectionStore}. Run that suite
 * against the store to prove it.
 *
 * <p>What the five must do beyond their own contracts: {@link #lockCheckpoint} guards the checkpoint until the
 * transaction ends, so that of two transactions that lock the same key only one commits a write of it; and
 * failures of the environment surface as {@link TransientStoreException} naming the store. The stores Lockstep
 * ships (PostgreSQL, Redis) implement {@link ProjectionStore} directly, to advance a checkpoint in one statement.
 *
 * @param <C> the transaction context handed to handlers
 */
public interface SimpleProjectionStore<C> extends ProjectionStore<C> {

    /**
     * Inside {@code tx}, reads what the store keeps about {@code key} and guards it until {@code tx} ends: a store
     * with row locks creates the checkpoint at -1 when absent and takes its row lock (a second transaction waits,
     * then reads what the first committed); a store with optimistic transactions makes {@code tx}'s commit fail
     * with a {@link CheckpointConflictException} when the checkpoint changed after this read.
     *
     * @return the stored state, {@link StoredCheckpoint#NONE} when there is none
     */
    StoredCheckpoint lockCheckpoint(C tx, CheckpointKey key);

    /**
     * Inside {@code tx}, after {@link #lockCheckpoint} of the same key, stores {@code checkpoint} (position, paused
     * flag, version, and the last event's identity when the store keeps it), creating it when absent.
     */
    void writeCheckpoint(C tx, CheckpointKey key, StoredCheckpoint checkpoint);

    /** Derived: {@link #lockCheckpoint}, compare, {@link #writeCheckpoint}. */
    @Override
    default void advanceCheckpoint(C tx, CheckpointKey key, long expected, long next) {
        ProjectionStore.requireForward(key, expected, next);
        StoredCheckpoint stored = lockExpecting(tx, key, expected);
        writeCheckpoint(tx, key, new StoredCheckpoint(next, false, stored.version()));
    }

    /** Derived like {@link #advanceCheckpoint(Object, CheckpointKey, long, long)}, recording {@code last}. */
    @Override
    default void advanceCheckpoint(C tx, CheckpointKey key, long expected, Envelope last) {
        ProjectionStore.requireForward(key, expected, last.position());
        StoredCheckpoint stored = lockExpecting(tx, key, expected);
        writeCheckpoint(
                tx, key, new StoredCheckpoint(last.position(), false, stored.version(), EventIdentity.of(last)));
    }

    private StoredCheckpoint lockExpecting(C tx, CheckpointKey key, long expected) {
        StoredCheckpoint stored = lockCheckpoint(tx, key);
        if (stored.paused()) {
            throw CheckpointConflictException.paused(key, stored.position());
        }
        if (stored.position() != expected) {
            throw CheckpointConflictException.concurrentAdvance(key, expected, stored.position());
        }
        return stored;
    }

    /** Derived: keeps the paused flag and version, forgets the last event. */
    @Override
    default void resetCheckpoint(C tx, CheckpointKey key, long position) {
        Arguments.requirePosition(position, "position");
        StoredCheckpoint stored = lockCheckpoint(tx, key);
        writeCheckpoint(tx, key, new StoredCheckpoint(position, stored.paused(), stored.version()));
    }

    /** Derived: writes only when no version is recorded. */
    @Override
    default void adoptVersion(C tx, CheckpointKey key, int version) {
        StoredCheckpoint stored = lockCheckpoint(tx, key);
        if (stored.version() == 0) {
            writeCheckpoint(
                    tx, key, new StoredCheckpoint(stored.position(), stored.paused(), version, stored.lastEvent()));
        }
    }

    /** Derived: pauses for good and returns the position. */
    @Override
    default long retire(C tx, CheckpointKey key) {
        StoredCheckpoint stored = lockCheckpoint(tx, key);
        writeCheckpoint(tx, key, new StoredCheckpoint(stored.position(), true, stored.version(), stored.lastEvent()));
        return stored.position();
    }

    /** Derived: one transaction of its own. */
    @Override
    default void setPaused(CheckpointKey key, boolean paused) {
        inTransaction(StatementMode.IMMEDIATE, tx -> {
            StoredCheckpoint stored = lockCheckpoint(tx, key);
            writeCheckpoint(
                    tx, key, new StoredCheckpoint(stored.position(), paused, stored.version(), stored.lastEvent()));
            return null;
        });
    }

    /** Derived: compare-and-set on the version. */
    @Override
    default boolean switchVersion(C tx, CheckpointKey key, int fromVersion, long position, int toVersion) {
        StoredCheckpoint stored = lockCheckpoint(tx, key);
        if (stored.version() != fromVersion) {
            return false;
        }
        writeCheckpoint(tx, key, new StoredCheckpoint(position, stored.paused(), toVersion));
        return true;
    }
}
