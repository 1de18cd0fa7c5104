package io.lockstep.projection;

/**
 * The SPI a projection runner needs from the database that holds its read model: transactions, the
 * checkpoint advanced inside them, and dead letters. projection-postgres implements it on PostgreSQL;
 * {@link #inMemory()} serves core's unit tests.
 *
 * <p>Implementations are thread-safe. They sort their driver's failures by whose fault they are: a failure of
 * the environment (an unreachable database, a broken connection, a lost serialization/deadlock race, a lock or
 * statement timeout, a missing permission, a full disk, a read-only server) becomes a
 * {@link TransientStoreException}, which the runner retries for as long as it lasts without blaming any event;
 * every other failure propagates as thrown and may make an event poison.
 *
 * <p>To write a store for another database, implement {@link SimpleProjectionStore}: five methods, from which
 * the rest of this interface is derived.
 *
 * @param <C> the transaction context handed to handlers
 */
public interface ProjectionStore<C> {

    /**
     * The users' view of the checkpoints kept by this store (outside any tenant; {@link CheckpointStore#forTenant}
     * for a tenant's), derived from {@link #readCheckpoint}, {@link #advanceCheckpoint(Object, CheckpointKey, long,
     * long)} and {@link #resetCheckpoint}: the calls runners make, so a tool and a batch never overwrite each other.
     * A store does not implement it; a wrapper ({@link ForwardingProjectionStore}) hands out the wrapped store's.
     */
    default CheckpointStore checkpoints() {
        return new CheckpointView(this, CheckpointKey.NO_TENANT);
    }

    /**
     * Runs {@code work} in one transaction and commits it; rolls back and rethrows when {@code work}
     * throws.
     *
     * @param mode how statements are sent; see {@link StatementMode}
     * @throws TransientStoreException when the store failed in a retryable way; nothing was committed
     */
    <R> R inTransaction(StatementMode mode, TransactionWork<C, R> work);

    /**
     * Inside {@code tx}, moves the checkpoint of {@code key} from {@code expected} to {@code next} and
     * guards it until the transaction ends, so that of two runners of the same projection only one commits
     * the same events: a store with locks takes the checkpoint's row lock (PostgreSQL: the second runner
     * waits, then fails here), a store without them refuses the commit when the checkpoint changed since
     * this call (Redis: WATCH; the second to commit fails). Call it first in the transaction, before the
     * handlers.
     *
     * @throws CheckpointConflictException when the stored checkpoint is not {@code expected}, or the
     *                                     projection is paused
     * @throws IllegalArgumentException    when {@code next} is not after {@code expected}: a runner never
     *                                     moves a checkpoint backward
     */
    void advanceCheckpoint(C tx, CheckpointKey key, long expected, long next);

    /**
     * {@link #advanceCheckpoint(Object, CheckpointKey, long, long)} to {@code last.position()}, the last event
     * of the batch; what runners call. A store that can, records {@link EventIdentity#of last}'s identity in the
     * same write and returns it as {@link StoredCheckpoint#lastEvent()} (clearing it whenever anything else
     * moves the checkpoint), so a runner that starts later can check that the log still holds that event at
     * that position. The default records nothing; a store that wraps another must pass this call on as it is.
     */
    default void advanceCheckpoint(C tx, CheckpointKey key, long expected, Envelope last) {
        advanceCheckpoint(tx, key, expected, last.position());
    }

    /**
     * Checks the arguments of {@link #advanceCheckpoint}, for implementations.
     *
     * @throws IllegalArgumentException when {@code next <= expected} or {@code expected < -1}
     */
    static void requireForward(CheckpointKey key, long expected, long next) {
        io.lockstep.projection.internal.Arguments.requirePosition(expected, "expected");
        if (next <= expected) {
            throw new IllegalArgumentException("checkpoint of " + key + " cannot advance from " + expected + " to "
                    + next + ": a batch only moves it forward; use resetCheckpoint to rewind");
        }
    }

    /**
     * Checks that the store can serve at all, with the most trivial operation it has (PostgreSQL: an empty
     * statement on a pooled connection). The runner calls it before it blames an event for a failure the store
     * did not classify: when the probe fails too, the failure is the environment's and is retried, never
     * counted against the event. The default does nothing (a store that cannot fail this way).
     *
     * @throws RuntimeException when the store cannot serve; the runner treats any exception as "unavailable"
     */
    default void probe() {}

    /**
     * Reads what the store keeps about {@code key}: position, paused flag, version, and the event at the
     * position when the store records it.
     */
    StoredCheckpoint readCheckpoint(CheckpointKey key);

    /**
     * Inside {@code tx}, sets the checkpoint of {@code key} to {@code position} (backward too), creating it
     * when absent; takes the checkpoint's row lock like {@link #advanceCheckpoint}. Paused flag and version
     * are kept.
     */
    void resetCheckpoint(C tx, CheckpointKey key, long position);

    /**
     * Inside {@code tx}, records {@code version} for {@code key} if none is recorded yet (version 0),
     * creating the row at -1 when absent. Never moves the position.
     */
    void adoptVersion(C tx, CheckpointKey key, int version);

    /**
     * Inside {@code tx}, pauses {@code key} for good (its row stays, no batch can claim it again) and returns
     * its position, -1 when it has none; waits for a batch holding its row lock. Ends a side-by-side build.
     */
    long retire(C tx, CheckpointKey key);

    /**
     * Pauses or resumes {@code key}, creating its row when absent. While paused,
     * {@link #advanceCheckpoint} fails with a {@link CheckpointConflictException}, so no batch commits.
     */
    void setPaused(CheckpointKey key, boolean paused);

    /**
     * Inside {@code tx}, moves {@code key} from {@code fromVersion} to {@code toVersion} with checkpoint
     * {@code position}, but only if its version is still {@code fromVersion} (compare-and-set; locks the row).
     *
     * @return false when another runner switched it first; nothing was changed
     */
    boolean switchVersion(C tx, CheckpointKey key, int fromVersion, long position, int toVersion);

    /**
     * The statements {@code tx} holds back to send them together, if any; the runner uses it to charge a
     * failure found when they are sent to the right event. The default holds nothing back.
     */
    default PendingStatements pendingStatements(C tx) {
        return PendingStatements.none();
    }

    /** Inside {@code tx}, records a skipped poison event. */
    void recordDeadLetter(C tx, DeadLetter letter);

    /**
     * Returns a store whose transactions are staged in memory and applied at commit, for unit tests of
     * projections without a database. Its context is {@link InMemoryTransaction}.
     */
    static InMemoryProjectionStore inMemory() {
        return new InMemoryProjectionStore();
    }
}
