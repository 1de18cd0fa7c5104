package io.lockstep.projection;

/** An event could not be decoded into a Java object; carries the stored type name and the reason. */
public final class EventDecodingException extends LockstepException {

    private static final long serialVersionUID = 1L;

    /**
     * @param envelope the event's envelope, whose event is an {@link UndecodableEvent}
     * @param event    the undecodable event
     */
    public EventDecodingException(Envelope envelope, UndecodableEvent event) {
        super("cannot decode event at position " + envelope.position() + " of type '" + event.eventType() + "': "
                + event.reason() + "; register the type (a restart picks it up) or fix the stored payload");
    }
}
