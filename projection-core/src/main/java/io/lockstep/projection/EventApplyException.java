package io.lockstep.projection;

/**
 * A handler failed on one event. Carries the event's envelope and its index within the batch, so the
 * runner can isolate it and the status can name it.
 */
public final class EventApplyException extends LockstepException {

    private static final long serialVersionUID = 1L;

    private final transient Envelope envelope;
    private final int index;

    /**
     * @param projection the projection's name
     * @param index      the event's index within its batch
     * @param envelope   the event
     * @param cause      what the handler threw
     */
    public EventApplyException(String projection, int index, Envelope envelope, Throwable cause) {
        super("projection '" + projection + "' failed at " + envelope.describe() + ": " + cause, cause);
        this.envelope = envelope;
        this.index = index;
    }

    /** @return the event the handler failed on */
    public Envelope envelope() {
        return envelope;
    }

    /** @return the event's index within the batch that failed */
    public int index() {
        return index;
    }
}
