package io.lockstep.projection;

import java.time.Duration;
import java.util.Objects;

/**
 * How a runner retries a failed batch: exponential backoff from {@code initialBackoff}, doubling up to
 * {@code maxBackoff}. A handler failure is retried until {@code maxAttempts} attempts have failed, then
 * the failing event is isolated and the {@link FailurePolicy} applies. Transient store failures are
 * retried with the same backoff for as long as they last.
 *
 * @param maxAttempts    attempts of a failing batch before isolating its poison event, 1..100 (default 3)
 * @param initialBackoff pause after the first failure, 0..maxBackoff (default 100 ms)
 * @param maxBackoff     longest pause, at most 10 minutes (default 10 s)
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

    /** Default of {@link #maxAttempts()}. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    /** Default of {@link #initialBackoff()}. */
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(100);
    /** Default of {@link #maxBackoff()}. */
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(10);

    private static final Duration LONGEST = Duration.ofMinutes(10);

    /** Validates the three settings together. */
    public RetryPolicy {
        io.lockstep.projection.internal.Arguments.requireRange(
                "maxAttempts", maxAttempts, 1, 100, DEFAULT_MAX_ATTEMPTS);
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxBackoff.isNegative() || maxBackoff.compareTo(LONGEST) > 0) {
            throw new IllegalArgumentException("maxBackoff " + maxBackoff + " makes no sense; use 0.." + LONGEST
                    + " (default " + DEFAULT_MAX_BACKOFF + ")");
        }
        if (initialBackoff.isNegative() || initialBackoff.compareTo(maxBackoff) > 0) {
            throw new IllegalArgumentException("initialBackoff " + initialBackoff
                    + " makes no sense; use 0..maxBackoff (" + maxBackoff + "); default " + DEFAULT_INITIAL_BACKOFF);
        }
    }

    /** @return the defaults: 3 attempts, 100 ms doubling to 10 s */
    public static RetryPolicy defaults() {
        return new RetryPolicy(DEFAULT_MAX_ATTEMPTS, DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF);
    }

    /**
     * @param failures how many attempts failed so far (>= 1)
     * @return the pause before the next attempt
     */
    public Duration backoff(int failures) {
        return io.lockstep.projection.internal.Backoff.after(failures, initialBackoff, maxBackoff);
    }
}
