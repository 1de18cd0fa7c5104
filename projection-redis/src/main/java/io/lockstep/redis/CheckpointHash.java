package io.lockstep.redis;

import io.lettuce.core.KeyValue;
import io.lockstep.projection.EventIdentity;
import io.lockstep.projection.StoredCheckpoint;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a checkpoint hash holds, read with one HMGET and written with one HSET. A missing field reads as
 * its default: position -1, not paused, version 0, no last event.
 *
 * @param exists    whether the hash has a position (false: never written, or lost with Redis's data)
 * @param position  the checkpoint
 * @param paused    the operator's pause
 * @param version   the projection version the read model was built with, 0 when none recorded
 * @param lastEvent the event at {@code position} as the batch that moved the checkpoint there recorded it;
 *                  null when none is recorded or it stands for another position (a reset moved the checkpoint)
 */
record CheckpointHash(boolean exists, long position, boolean paused, int version, EventIdentity lastEvent) {

    static final String POSITION = "position";
    static final String PAUSED = "paused";
    static final String VERSION = "version";
    static final String UPDATED_AT = "updated_at";
    static final String LAST_POSITION = "last_position";
    static final String LAST_STREAM_ID = "last_stream_id";
    static final String LAST_STREAM_VERSION = "last_stream_version";
    static final String LAST_EVENT_TYPE = "last_event_type";
    /** The fields naming the event at the checkpoint; removed when anything but a batch moves it. */
    static final String[] LAST_EVENT_FIELDS = {LAST_POSITION, LAST_STREAM_ID, LAST_STREAM_VERSION, LAST_EVENT_TYPE};
    /** The fields {@link #of} reads, in this order. */
    static final String[] FIELDS = {
        POSITION, PAUSED, VERSION, LAST_POSITION, LAST_STREAM_ID, LAST_STREAM_VERSION, LAST_EVENT_TYPE
    };

    static final CheckpointHash ABSENT = new CheckpointHash(false, -1, false, 0, null);

    /** Parses the answer of {@code HMGET key} {@link #FIELDS}. */
    static CheckpointHash of(List<KeyValue<String, String>> values) {
        String position = values.get(0).getValueOrElse(null);
        String paused = values.get(1).getValueOrElse(null);
        String version = values.get(2).getValueOrElse(null);
        long at = position == null ? -1 : Long.parseLong(position);
        return new CheckpointHash(
                position != null,
                at,
                "1".equals(paused),
                version == null ? 0 : Integer.parseInt(version),
                lastEvent(values, at));
    }

    /** @return the recorded event when it is complete and at {@code position}, else null */
    private static EventIdentity lastEvent(List<KeyValue<String, String>> values, long position) {
        String lastPosition = values.get(3).getValueOrElse(null);
        String streamId = values.get(4).getValueOrElse(null);
        String streamVersion = values.get(5).getValueOrElse(null);
        String eventType = values.get(6).getValueOrElse(null);
        if (lastPosition == null
                || streamId == null
                || streamVersion == null
                || eventType == null
                || Long.parseLong(lastPosition) != position) {
            return null;
        }
        return new EventIdentity(position, streamId, Long.parseLong(streamVersion), eventType);
    }

    /** @return this checkpoint moved to {@code next} by something other than a batch: no last event */
    CheckpointHash withPosition(long next) {
        return new CheckpointHash(true, next, paused, version, null);
    }

    /** @return this checkpoint moved by a batch whose last event is {@code last} */
    CheckpointHash withLastEvent(EventIdentity last) {
        return new CheckpointHash(true, last.position(), paused, version, last);
    }

    CheckpointHash withVersion(int next) {
        return new CheckpointHash(true, position, paused, next, lastEvent);
    }

    CheckpointHash withPaused(boolean next) {
        return new CheckpointHash(true, position, next, version, lastEvent);
    }

    StoredCheckpoint stored() {
        return new StoredCheckpoint(position, paused, version, lastEvent);
    }

    /**
     * @return every field to write with one HSET at {@code nowMillis}; without a last event, the caller
     *         deletes {@link #LAST_EVENT_FIELDS}
     */
    Map<String, String> fields(long nowMillis) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put(POSITION, Long.toString(position));
        fields.put(PAUSED, paused ? "1" : "0");
        fields.put(VERSION, Integer.toString(version));
        fields.put(UPDATED_AT, Long.toString(nowMillis));
        if (lastEvent != null) {
            fields.put(LAST_POSITION, Long.toString(lastEvent.position()));
            fields.put(LAST_STREAM_ID, lastEvent.streamId());
            fields.put(LAST_STREAM_VERSION, Long.toString(lastEvent.streamVersion()));
            fields.put(LAST_EVENT_TYPE, lastEvent.eventType());
        }
        return fields;
    }
}
