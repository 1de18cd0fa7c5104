package io.lockstep.redis;

import io.lettuce.core.KeyValue;
import io.lockstep.projection.StoredCheckpoint;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a checkpoint hash holds, read with one HMGET and written with one HSET. A missing field reads as
 * its default: position -1, not paused, version 0.
 *
 * @param exists   whether the hash has a position (false: never written, or lost with Redis's data)
 * @param position the checkpoint
 * @param paused   the operator's pause
 * @param version  the projection version the read model was built with, 0 when none recorded
 */
record CheckpointHash(boolean exists, long position, boolean paused, int version) {

    static final String POSITION = "position";
    static final String PAUSED = "paused";
    static final String VERSION = "version";
    static final String UPDATED_AT = "updated_at";
    /** The fields {@link #of} reads, in this order. */
    static final String[] FIELDS = {POSITION, PAUSED, VERSION};

    static final CheckpointHash ABSENT = new CheckpointHash(false, -1, false, 0);

    /** Parses the answer of {@code HMGET key position paused version}. */
    static CheckpointHash of(List<KeyValue<String, String>> values) {
        String position = values.get(0).getValueOrElse(null);
        String paused = values.get(1).getValueOrElse(null);
        String version = values.get(2).getValueOrElse(null);
        return new CheckpointHash(position != null, position == null ? -1 : Long.parseLong(position),
                "1".equals(paused), version == null ? 0 : Integer.parseInt(version));
    }

    CheckpointHash withPosition(long next) {
        return new CheckpointHash(true, next, paused, version);
    }

    CheckpointHash withVersion(int next) {
        return new CheckpointHash(true, position, paused, next);
    }

    CheckpointHash withPaused(boolean next) {
        return new CheckpointHash(true, position, next, version);
    }

    StoredCheckpoint stored() {
        return new StoredCheckpoint(position, paused, version);
    }

    /** @return every field, for one HSET at {@code nowMillis} */
    Map<String, String> fields(long nowMillis) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put(POSITION, Long.toString(position));
        fields.put(PAUSED, paused ? "1" : "0");
        fields.put(VERSION, Integer.toString(version));
        fields.put(UPDATED_AT, Long.toString(nowMillis));
        return fields;
    }
}
