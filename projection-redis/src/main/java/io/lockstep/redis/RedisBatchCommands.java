package io.lockstep.redis;

import io.lettuce.core.api.sync.RedisGeoCommands;
import io.lettuce.core.api.sync.RedisHLLCommands;
import io.lettuce.core.api.sync.RedisHashCommands;
import io.lettuce.core.api.sync.RedisKeyCommands;
import io.lettuce.core.api.sync.RedisListCommands;
import io.lettuce.core.api.sync.RedisSetCommands;
import io.lettuce.core.api.sync.RedisSortedSetCommands;
import io.lettuce.core.api.sync.RedisStreamCommands;
import io.lettuce.core.api.sync.RedisStringCommands;

/**
 * The data commands a handler sends inside its batch: Lettuce's typed synchronous API for strings, hashes,
 * keys, lists, sets, sorted sets, HyperLogLogs, geo indexes and streams, with {@code String} keys and values
 * (UTF-8).
 *
 * <p>Inside a batch every command is <b>queued</b> in the batch's MULTI and runs at commit, atomically with
 * the checkpoint: each call returns {@code null} at once. So handlers write; they cannot read, neither what
 * is committed nor what their own batch wrote (a read is queued like a write and its answer is dropped).
 * Let Redis compute from its current value instead ({@code HINCRBY}, {@code ZINCRBY}, {@code SADD},
 * {@code SET ... NX}), or fold the batch in memory first ({@code Projection.Builder#onBatch}).
 *
 * <p>Transaction control (MULTI, EXEC, DISCARD, WATCH), server, scripting and connection commands are not
 * part of this interface: the store owns the transaction. Valid only during the batch it was handed to.
 */
public interface RedisBatchCommands
        extends RedisStringCommands<String, String>,
                RedisHashCommands<String, String>,
                RedisKeyCommands<String, String>,
                RedisListCommands<String, String>,
                RedisSetCommands<String, String>,
                RedisSortedSetCommands<String, String>,
                RedisHLLCommands<String, String>,
                RedisGeoCommands<String, String>,
                RedisStreamCommands<String, String> {}
