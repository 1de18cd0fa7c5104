package io.lockstep.projection;

import io.lockstep.projection.internal.Arguments;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One event as read from the event log, with the data recorded around it.
 *
 * @param position      the event's global position in the log: dense, strictly increasing, the value a
 *                      checkpoint stores (>= 0)
 * @param streamId      the stream (aggregate) the event belongs to
 * @param streamVersion the event's version within its stream (>= 0)
 * @param eventType     the stable type name the event was stored under
 * @param recordedAt    when the event was appended
 * @param metadata      correlation id, causation id and any user-defined entries; never null
 * @param event         the decoded event
 */
public record Envelope(
        long position,
        String streamId,
        long streamVersion,
        String eventType,
        Instant recordedAt,
        Map<String, String> metadata,
        Object event) {

    /** Validates every component; copies the metadata. */
    public Envelope {
        if (position < 0) {
            throw new IllegalArgumentException("position " + position + " is invalid: event positions start at 0");
        }
        Arguments.requireName(streamId, "streamId");
        if (streamVersion < 0) {
            throw new IllegalArgumentException("streamVersion " + streamVersion + " is invalid: versions start at 0");
        }
        Arguments.requireName(eventType, "eventType");
        Objects.requireNonNull(recordedAt, "recordedAt");
        metadata = Map.copyOf(Objects.requireNonNull(metadata, "metadata"));
        Objects.requireNonNull(event, "event");
    }

    /** Describes the event for error messages: position, type and stream. */
    public String describe() {
        return "position " + position + " (" + eventType + ", stream '" + streamId + "' v" + streamVersion + ")";
    }
}
