package io.lockstep.projection;

import java.time.Instant;
import java.util.Objects;

/**
 * The last failure a runner saw, as shown in its status.
 *
 * @param position   the failing event's position, or -1 when the failure is not tied to one event
 *                   (a store outage, say)
 * @param eventType  the failing event's type name, or {@code ""}
 * @param streamId   the failing event's stream, or {@code ""}
 * @param message    what failed, naming the projection and the event
 * @param cause      the exception itself
 * @param occurredAt when it happened
 */
public record ProjectionError(
        long position, String eventType, String streamId, String message, Throwable cause, Instant occurredAt) {

    /** Validates the components. */
    public ProjectionError {
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(cause, "cause");
        Objects.requireNonNull(occurredAt, "occurredAt");
    }

    /** @return this error with {@code advice} (what to do about it) appended to its message */
    ProjectionError advise(String advice) {
        return new ProjectionError(position, eventType, streamId, message + "; " + advice, cause, occurredAt);
    }

    /** Describes {@code cause}, naming the event when the cause carries one. */
    static ProjectionError of(Throwable cause, Instant at) {
        EventApplyException apply = Failures.find(cause, EventApplyException.class);
        if (apply != null) {
            Envelope e = apply.envelope();
            return new ProjectionError(e.position(), e.eventType(), e.streamId(), apply.getMessage(), cause, at);
        }
        return new ProjectionError(-1, "", "", String.valueOf(cause), cause, at);
    }

    /** Describes a failure that belongs to no event (a store outage), whatever event was running. */
    static ProjectionError unattributed(Throwable cause, Instant at) {
        return new ProjectionError(-1, "", "", String.valueOf(cause), cause, at);
    }

    /** Describes {@code cause} as the failure of {@code envelope}. */
    static ProjectionError of(String projection, Envelope envelope, Throwable cause, Instant at) {
        Throwable root = Failures.handlerCause(cause);
        return new ProjectionError(
                envelope.position(),
                envelope.eventType(),
                envelope.streamId(),
                "projection '" + projection + "' failed at " + envelope.describe() + ": " + root,
                root,
                at);
    }
}
