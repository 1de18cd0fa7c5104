package io.lockstep.projection;

import io.lockstep.projection.internal.VirtualThreads;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Stores, per projection, the position of the last event whose effects are committed.
 *
 * <p>The contract, for every implementation:
 * <ul>
 *   <li>{@link #getCheckpoint} returns -1 for a projection that has no checkpoint yet.</li>
 *   <li>A null name is a {@link NullPointerException} naming the parameter; an empty or blank name an
 *       {@link IllegalArgumentException}; a position below -1 an {@link IllegalArgumentException} stating the
 *       bound. Bad input changes nothing.</li>
 *   <li>A store that cannot be reached throws a {@link TransientStoreException} that names the store and
 *       carries the cause; never a raw driver exception.</li>
 *   <li>A checkpoint only moves forward: {@link #storeCheckpoint} with a lower position than the stored
 *       one throws {@link CheckpointConflictException} and changes nothing; {@link #resetCheckpoint} is the
 *       explicit way back (a replay).</li>
 * </ul>
 *
 * <p>Projection runners do not call {@link #storeCheckpoint}: they advance the checkpoint inside the batch
 * transaction that writes the read model (see {@link ProjectionStore}). This interface is for
 * monitoring, tools and projections whose effects live outside the store's database.
 *
 * <p>Every {@link ProjectionStore} offers this view of its checkpoints ({@link ProjectionStore#checkpoints()}),
 * built from the same SPI calls its runners make: a read is the runner's read, a store is the runner's
 * compare-and-set advance, a reset is the runner's reset. On such a view, a projection an operator paused
 * refuses {@link #storeCheckpoint} with a {@link CheckpointConflictException}; {@link #resetCheckpoint} still
 * moves it. {@link #inMemory()} is a standalone store without pauses.
 *
 * <p>Implementations are thread-safe.
 */
public interface CheckpointStore {

    /**
     * Reads the checkpoint of {@code projectionName}.
     *
     * @return the position of the last processed event, or -1 when none exists
     */
    long getCheckpoint(String projectionName);

    /**
     * Stores {@code position} as the checkpoint of {@code projectionName}, creating it when absent.
     * Storing the position already stored is a no-op. Concurrent calls for the same projection end with the
     * highest position stored; a call whose position another one already passed throws as below.
     *
     * @throws CheckpointConflictException when {@code position} is below the stored checkpoint, or the
     *                                     projection is paused (a {@link ProjectionStore}'s view); nothing changed
     * @throws TransientStoreException     when the store cannot be reached, or (a {@link ProjectionStore}'s
     *                                     view) the call kept losing the race to busy batches; nothing changed
     */
    void storeCheckpoint(String projectionName, long position);

    /**
     * Sets the checkpoint of {@code projectionName} to {@code position}, backward or forward: the expert
     * tool behind a replay (-1 replays everything). Does not touch any read model.
     */
    void resetCheckpoint(String projectionName, long position);

    /**
     * Returns a view of this store whose checkpoints belong to {@code tenantId}: the same projection name
     * under two tenants names two independent checkpoints.
     *
     * @param tenantId any non-blank text without U+0000 of at most {@link CheckpointKey#MAX_LENGTH} characters,
     *                 bound as a parameter
     * @throws IllegalArgumentException for a blank or longer tenant id, or one containing U+0000
     */
    CheckpointStore forTenant(String tenantId);

    /**
     * The asynchronous twin of {@link #getCheckpoint}. Arguments are checked before this method returns
     * (bad input throws here, not in the stage); the store is read on a virtual thread.
     */
    default CompletionStage<Long> getCheckpointAsync(String projectionName) {
        CheckpointKey.of(projectionName);
        return CompletableFuture.supplyAsync(() -> getCheckpoint(projectionName), VirtualThreads.EXECUTOR);
    }

    /**
     * The asynchronous twin of {@link #storeCheckpoint}. Arguments are checked before this method returns;
     * the store is written on a virtual thread.
     */
    default CompletionStage<Void> storeCheckpointAsync(String projectionName, long position) {
        CheckpointKey.of(projectionName);
        io.lockstep.projection.internal.Arguments.requirePosition(position, "position");
        return CompletableFuture.runAsync(() -> storeCheckpoint(projectionName, position), VirtualThreads.EXECUTOR);
    }

    /** Returns a new in-memory store for tests and prototypes: thread-safe, forgets everything on exit. */
    static CheckpointStore inMemory() {
        return new InMemoryCheckpointStore();
    }
}
