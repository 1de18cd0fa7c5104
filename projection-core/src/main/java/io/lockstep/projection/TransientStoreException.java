package io.lockstep.projection;

/**
 * A store failed for a reason that is its environment's, not any event's: the database is unreachable or
 * shutting down, the connection broke, the transaction lost a serialization or deadlock race, a lock or
 * statement timeout struck, a permission is missing, the disk or memory is full, the server is read-only, a
 * table the statement needs is missing. Each store documents which of its errors it counts (for PostgreSQL:
 * the SQLState table in the README). It lasts until the environment recovers or is fixed, then goes away.
 *
 * <p>Nothing was committed by the failed operation. The projection runner retries such failures with
 * backoff for as long as they last (state {@link ProjectionState#STALLED}), never counts them against an event
 * as a poison event, never hands them to the {@link FailurePolicy} and never writes a dead letter for them.
 */
public class TransientStoreException extends LockstepException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed and where (the store's name, the operation)
     * @param cause   the underlying failure
     */
    public TransientStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
