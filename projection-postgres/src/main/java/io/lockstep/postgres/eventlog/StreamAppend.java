package io.lockstep.postgres.eventlog;

import io.lockstep.projection.internal.Arguments;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One stream's part of a bulk append ({@link PostgresEventLog#appendAll}): its events, the version the stream
 * must be at, and metadata stored with each of its events. Checked when built, so a bulk with a bad part fails
 * before anything is sent.
 *
 * @param streamId the stream to append to
 * @param expected the version the stream must be at ({@link ExpectedVersion#any()} for none)
 * @param events   the events, in stream order; at least one, none null (copied)
 * @param metadata stored with each event, e.g. a correlation id (copied; empty for none)
 */
public record StreamAppend(String streamId, ExpectedVersion expected, List<?> events, Map<String, String> metadata) {

    /** Checks and copies the parts. */
    public StreamAppend {
        Arguments.requireName(streamId, "streamId");
        Objects.requireNonNull(expected, "expected of stream '" + streamId + "'");
        Objects.requireNonNull(events, "events of stream '" + streamId + "'");
        Objects.requireNonNull(metadata, "metadata of stream '" + streamId + "'");
        if (events.isEmpty()) {
            throw new IllegalArgumentException("append to stream '" + streamId + "' has no events; pass at least one");
        }
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) == null) {
                throw new NullPointerException("events[" + i + "] of stream '" + streamId + "'");
            }
        }
        events = List.copyOf(events);
        metadata = Map.copyOf(metadata);
    }

    /** @return a part without metadata */
    public static StreamAppend of(String streamId, ExpectedVersion expected, List<?> events) {
        return new StreamAppend(streamId, expected, events, Map.of());
    }
}
