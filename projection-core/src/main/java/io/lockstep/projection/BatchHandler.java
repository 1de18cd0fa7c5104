package io.lockstep.projection;

import java.util.List;

/**
 * Applies a whole batch in one call, inside the batch's transaction: for projections that fold the batch
 * in memory first and write each touched row once.
 *
 * <p>The contract of {@link EventHandler} applies: write only through {@code tx}, expect to be invoked
 * again for the same events after a rollback, throw to roll back. When a batch fails repeatedly, the
 * runner narrows it down by calling this handler with shorter batches, down to a single event.
 *
 * @param <C> the transaction context
 */
@FunctionalInterface
public interface BatchHandler<C> {

    /**
     * @param batch the events in position order, never empty
     * @param tx    the batch's transaction context
     * @throws Exception any failure; the batch rolls back
     */
    void handle(List<Envelope> batch, C tx) throws Exception;
}
