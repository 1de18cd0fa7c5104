package io.lockstep.redis;

import io.lockstep.projection.CheckpointKey;

/**
 * Names the keys a store keeps under its prefix. A checkpoint's tenant and projection name are opaque text
 * of any content; the tenant is length-prefixed so that no two keys collide ({@code a:b} + {@code c} vs.
 * {@code a} + {@code b:c}).
 *
 * <ul>
 *   <li>{@code <prefix>checkpoint:<tenant length>:<tenant>:<projection>}: a hash with fields
 *       {@code position}, {@code paused}, {@code version}, {@code updated_at} (epoch milliseconds) and, when a
 *       batch moved the checkpoint, the event at it: {@code last_position}, {@code last_stream_id},
 *       {@code last_stream_version}, {@code last_event_type};</li>
 *   <li>{@code <prefix>dead-letters:<tenant length>:<tenant>:<projection>}: a sorted set of the skipped events'
 *       dead-letter keys, scored by position;</li>
 *   <li>{@code <prefix>dead-letter:<tenant length>:<tenant>:<projection>:<position>}: a hash per skipped event;</li>
 *   <li>{@code <prefix>epoch}: a random id written with the first checkpoint, so a store notices when Redis
 *       lost its data.</li>
 * </ul>
 */
record RedisKeys(String prefix) {

    String checkpoint(CheckpointKey key) {
        return prefix + "checkpoint:" + suffix(key);
    }

    String deadLetters(CheckpointKey key) {
        return prefix + "dead-letters:" + suffix(key);
    }

    String deadLetter(CheckpointKey key, long position) {
        return prefix + "dead-letter:" + suffix(key) + ":" + position;
    }

    String epoch() {
        return prefix + "epoch";
    }

    private static String suffix(CheckpointKey key) {
        return key.tenantId().length() + ":" + key.tenantId() + ":" + key.projection();
    }
}
