/**
 * The optional Redis read model: the accounts with the largest balances, kept in a sorted set by a projection
 * on {@link io.lockstep.redis.RedisProjectionStore} and served at {@code GET /top-balances}.
 */
package io.lockstep.example.accounts.redis;
