/**
 * Read models in Redis: {@link io.lockstep.redis.RedisProjectionStore} runs each batch's handler commands
 * and the checkpoint's compare-and-set in one MULTI/EXEC guarded by WATCH, through Lettuce's typed command
 * API ({@link io.lockstep.redis.RedisBatchCommands}), and keeps checkpoints, pause flags, versions and dead
 * letters in the same Redis database as the read model.
 */
package io.lockstep.redis;
