package io.lockstep.projection;

/**
 * A statement that a handler issued failed later, when the store sent it with others
 * ({@link StatementMode#BATCHED}): the handler's call had returned by then. Carries the index within the
 * batch of the event whose handler issued the statement, so that the runner charges the failure to that
 * event and not to the one being handled when it surfaced.
 */
public class DeferredStatementException extends LockstepException {

    private static final long serialVersionUID = 1L;

    /** {@link #eventIndex()} when the failing statement's event is not known. */
    public static final int UNKNOWN_EVENT = -1;

    private final int eventIndex;

    /**
     * @param message    what failed: the statement, and the failure or the row count
     * @param eventIndex the index within the batch of the event whose handler issued the statement, or
     *                   {@link #UNKNOWN_EVENT}
     * @param cause      the underlying failure
     */
    public DeferredStatementException(String message, int eventIndex, Throwable cause) {
        super(message, cause);
        if (eventIndex < UNKNOWN_EVENT) {
            throw new IllegalArgumentException(
                    "eventIndex " + eventIndex + " makes no sense; use 0 or more, or " + "UNKNOWN_EVENT (-1)");
        }
        this.eventIndex = eventIndex;
    }

    /** @return the index within the batch of the event whose statement failed, or {@link #UNKNOWN_EVENT} */
    public int eventIndex() {
        return eventIndex;
    }
}
