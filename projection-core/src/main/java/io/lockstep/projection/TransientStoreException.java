package io.lockstep.projection;

/**
 * A store failed in a way that may go away on its own: the database is unreachable, the connection
 * broke (SQLState class 08), or the transaction lost a serialization or deadlock race (class 40).
 *
 * <p>Nothing was committed by the failed operation. The projection runner retries such failures with
 * backoff for as long as they last and never counts them against an event as a poison event.
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
