package io.lockstep.redis;

import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lockstep.projection.DeadLetter;
import io.lockstep.projection.Envelope;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a dead letter as a hash (fields {@code position}, {@code stream_id}, {@code stream_version},
 * {@code event_type}, {@code recorded_at}, {@code metadata.<name>} per metadata entry, {@code error_class},
 * {@code error_message}, {@code stack_trace}, {@code skipped_at}) and indexes it in the projection's sorted
 * set by position. A replay that skips the same event again replaces its hash: one letter per event, with
 * the latest error.
 */
final class DeadLetters {

    private DeadLetters() {}

    /** Queues the dead letter's commands on {@code async}, inside the batch's MULTI. */
    static void queue(RedisAsyncCommands<String, String> async, RedisKeys keys, DeadLetter letter, long nowMillis) {
        Envelope event = letter.envelope();
        String key = keys.deadLetter(letter.key(), event.position());
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("position", Long.toString(event.position()));
        fields.put("stream_id", event.streamId());
        fields.put("stream_version", Long.toString(event.streamVersion()));
        fields.put("event_type", event.eventType());
        fields.put("recorded_at", event.recordedAt().toString());
        event.metadata().forEach((name, value) -> fields.put("metadata." + name, value));
        fields.put("error_class", letter.errorClass());
        fields.put("error_message", letter.message());
        fields.put("stack_trace", letter.stackTrace());
        fields.put("skipped_at", Long.toString(nowMillis));
        async.del(key);
        async.hset(key, fields);
        async.zadd(keys.deadLetters(letter.key()), event.position(), key);
    }
}
