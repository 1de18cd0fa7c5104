package io.lockstep.redis.testing;

/** The test event: {@code amount} cents into {@code account}. */
public record Deposit(String account, long amount) {}
