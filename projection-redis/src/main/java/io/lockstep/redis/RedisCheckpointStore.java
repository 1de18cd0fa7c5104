package io.lockstep.redis;

import io.lettuce.core.ScriptOutputType;
import io.lockstep.projection.CheckpointConflictException;
import io.lockstep.projection.CheckpointKey;
import io.lockstep.projection.CheckpointStore;
import io.lockstep.projection.internal.Arguments;
import java.time.InstantSource;
import java.util.List;

/**
 * A {@link CheckpointStore} in Redis: the {@code position} field of each projection's checkpoint hash (see
 * {@link RedisKeys}). Each call is one command; writes are small Lua scripts, so the forward-only check and
 * the write are one atomic step, and they also create the store's epoch key. Thread-safe.
 *
 * <p>Obtained from {@link RedisProjectionStore#checkpoints()}; runners move checkpoints inside their batches.
 */
final class RedisCheckpointStore implements CheckpointStore {

    /** KEYS: checkpoint hash, epoch. ARGV: position, now, new epoch. Returns the stored position when it is higher. */
    private static final String STORE = """
            local stored = redis.call('HGET', KEYS[1], 'position')
            if stored and tonumber(stored) > tonumber(ARGV[1]) then return stored end
            redis.call('HSET', KEYS[1], 'position', ARGV[1], 'updated_at', ARGV[2])
            redis.call('HDEL', KEYS[1], 'last_position', 'last_stream_id', 'last_stream_version', 'last_event_type')
            redis.call('SET', KEYS[2], ARGV[3], 'NX')
            return false
            """;
    /** KEYS: checkpoint hash, epoch. ARGV: position, now, new epoch. */
    private static final String RESET = """
            redis.call('HSET', KEYS[1], 'position', ARGV[1], 'updated_at', ARGV[2])
            redis.call('HDEL', KEYS[1], 'last_position', 'last_stream_id', 'last_stream_version', 'last_event_type')
            redis.call('SET', KEYS[2], ARGV[3], 'NX')
            return false
            """;

    private final RedisConnections connections;
    private final RedisKeys keys;
    private final InstantSource clock;
    private final String tenantId;

    RedisCheckpointStore(RedisConnections connections, RedisKeys keys, InstantSource clock, String tenantId) {
        this.connections = connections;
        this.keys = keys;
        this.clock = clock;
        this.tenantId = tenantId;
    }

    @Override
    public long getCheckpoint(String projectionName) {
        CheckpointKey key = key(projectionName);
        return connections.withCommands("reading checkpoint " + key, redis -> {
            String position = redis.hget(keys.checkpoint(key), CheckpointHash.POSITION);
            return position == null ? Arguments.NO_POSITION : Long.parseLong(position);
        });
    }

    @Override
    public void storeCheckpoint(String projectionName, long position) {
        CheckpointKey key = key(projectionName);
        Arguments.requirePosition(position, "position");
        String higher = write("storing checkpoint " + key, STORE, key, position);
        if (higher != null) {
            throw CheckpointConflictException.backward(key, Long.parseLong(higher), position);
        }
    }

    @Override
    public void resetCheckpoint(String projectionName, long position) {
        CheckpointKey key = key(projectionName);
        Arguments.requirePosition(position, "position");
        write("resetting checkpoint " + key, RESET, key, position);
    }

    @Override
    public CheckpointStore forTenant(String tenantId) {
        return new RedisCheckpointStore(
                connections, keys, clock, Arguments.requireKeyPart(tenantId, "tenantId", CheckpointKey.MAX_LENGTH));
    }

    /** Reads the whole checkpoint hash of {@code key}, telling {@code epochs} the epoch read with it. */
    CheckpointHash readHash(CheckpointKey key, EpochWatch epochs) {
        return connections.withCommands("reading the state of " + key, redis -> {
            CheckpointHash hash = CheckpointHash.of(redis.hmget(keys.checkpoint(key), CheckpointHash.FIELDS));
            epochs.seen(redis.get(keys.epoch()));
            return hash;
        });
    }

    /** Reads the whole checkpoint hash of {@code key}. */
    CheckpointHash readHash(CheckpointKey key) {
        return connections.withCommands(
                "reading the state of " + key,
                redis -> CheckpointHash.of(redis.hmget(keys.checkpoint(key), CheckpointHash.FIELDS)));
    }

    private String write(String operation, String script, CheckpointKey key, long position) {
        return connections.withCommands(
                operation,
                redis -> redis.<String>eval(
                        script,
                        ScriptOutputType.VALUE,
                        List.of(keys.checkpoint(key), keys.epoch()).toArray(String[]::new),
                        Long.toString(position),
                        Long.toString(clock.millis()),
                        java.util.UUID.randomUUID().toString()));
    }

    private CheckpointKey key(String projectionName) {
        return new CheckpointKey(tenantId, projectionName);
    }
}
