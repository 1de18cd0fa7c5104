package io.lockstep.projection;

/**
 * Applies one event of type {@code E} to a read model, inside the batch's transaction.
 *
 * <p>Contract:
 * <ul>
 *   <li>Write only through {@code tx}, the transaction context passed in; never capture one. Everything
 *       written through it commits together with the checkpoint, or not at all.</li>
 *   <li>May be invoked several times for the same event: when a batch rolls back (a failure, a crash, a
 *       concurrent runner) it is applied again from the start. Its committed effects happen exactly once;
 *       side effects outside {@code tx} (an e-mail, an HTTP call) do not have that guarantee.</li>
 *   <li>Throwing rolls back the whole batch; see {@link FailurePolicy} for what happens next.</li>
 * </ul>
 *
 * @param <E> the event type
 * @param <C> the transaction context (for PostgreSQL: a jOOQ {@code DSLContext} and the connection)
 */
@FunctionalInterface
public interface EventHandler<E, C> {

    /**
     * @param event    the decoded event
     * @param envelope its position, stream, type, time and metadata
     * @param tx       the batch's transaction context
     * @throws Exception any failure; the batch rolls back
     */
    void handle(E event, Envelope envelope, C tx) throws Exception;
}
