package io.lockstep.projection.internal;

import java.time.Duration;

/** Exponential backoff, the one doubling every retry and poll loop of Lockstep uses. Not an API. */
public final class Backoff {

    private Backoff() {}

    /** @return {@code current} doubled, at most {@code max} */
    public static Duration doubled(Duration current, Duration max) {
        return current.compareTo(max.dividedBy(2)) >= 0 ? max : current.multipliedBy(2);
    }

    /**
     * @param attempts how many attempts failed so far (>= 1)
     * @return {@code initial} doubled for each attempt after the first, at most {@code max}
     */
    public static Duration after(int attempts, Duration initial, Duration max) {
        int doublings = Math.min(Math.max(attempts - 1, 0), 62);
        long nanos = initial.toNanos();
        long scaled = nanos > (Long.MAX_VALUE >> doublings) ? Long.MAX_VALUE : nanos << doublings;
        return Duration.ofNanos(Math.min(scaled, max.toNanos()));
    }
}
