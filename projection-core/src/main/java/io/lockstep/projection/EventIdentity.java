package io.lockstep.projection;

import io.lockstep.projection.internal.Arguments;

/**
 * Which event stood at a position of the log: its stream, stream version and type. A store that records it
 * with each checkpoint lets a runner tell, even on its first read after a restart, whether the log still holds
 * that event at the checkpoint's position; a log restored from an older backup and grown past the checkpoint
 * again holds another event there, and reading on would skip the new events that reuse the positions up to it.
 *
 * @param position      the event's position (>= 0)
 * @param streamId      its stream
 * @param streamVersion its version within the stream (>= 0)
 * @param eventType     its stored type name
 */
public record EventIdentity(long position, String streamId, long streamVersion, String eventType) {

    /** Validates every component. */
    public EventIdentity {
        if (position < 0) {
            throw new IllegalArgumentException("position " + position + " is invalid: event positions start at 0");
        }
        Arguments.requireName(streamId, "streamId");
        if (streamVersion < 0) {
            throw new IllegalArgumentException("streamVersion " + streamVersion + " is invalid: versions start at 0");
        }
        Arguments.requireName(eventType, "eventType");
    }

    /** @return the identity of {@code envelope} */
    public static EventIdentity of(Envelope envelope) {
        return new EventIdentity(
                envelope.position(), envelope.streamId(), envelope.streamVersion(), envelope.eventType());
    }

    /** @return true when {@code envelope} is this event: same position, stream, stream version and type */
    public boolean matches(Envelope envelope) {
        return envelope.position() == position
                && envelope.streamId().equals(streamId)
                && envelope.streamVersion() == streamVersion
                && envelope.eventType().equals(eventType);
    }

    /** Describes the event for error messages, like {@link Envelope#describe()}. */
    public String describe() {
        return "position " + position + " (" + eventType + ", stream '" + streamId + "' v" + streamVersion + ")";
    }
}
