package io.lockstep.projection;

/**
 * What a runner does with a poison event: one whose handler still fails after the batch was retried
 * {@link RetryPolicy#maxAttempts()} times and the event was isolated in a transaction of its own, while the
 * store still answers. Failures of the environment (the store or source unavailable, timeouts, permissions, a
 * full disk: see {@link TransientStoreException}) never make an event poison and never reach this policy.
 */
public sealed interface FailurePolicy {

    /** Default of {@link Skip#maxConsecutive()}. */
    int DEFAULT_MAX_CONSECUTIVE_SKIPS = 10;
    /** Largest {@link Skip#maxConsecutive()}. */
    int MAX_CONSECUTIVE_SKIPS = 100_000;

    /** @return {@link Stop}, the default */
    static FailurePolicy stop() {
        return new Stop();
    }

    /** @return {@link Skip} with a budget of {@value #DEFAULT_MAX_CONSECUTIVE_SKIPS} consecutive dead letters */
    static FailurePolicy skip() {
        return new Skip(DEFAULT_MAX_CONSECUTIVE_SKIPS);
    }

    /**
     * @param maxConsecutive how many events in a row may be dead-lettered before the projection stops instead,
     *                       1..100000 (default 10)
     * @return {@link Skip} with that budget
     */
    static FailurePolicy skip(int maxConsecutive) {
        return new Skip(maxConsecutive);
    }

    /**
     * The projection stops in state {@link ProjectionState#FAILED}; its status shows the position, event
     * type and exception. The read model holds exactly the effects of the events before it. Fix the handler
     * or the event, then {@link ProjectionRunner#resume()} retries from the checkpoint.
     */
    record Stop() implements FailurePolicy {}

    /**
     * The event and its error are written to the dead-letter table in the same transaction that moves the
     * checkpoint past it; processing goes on with the next event.
     *
     * <p>A budget keeps a fault that is not the events' from emptying the read model into the dead letters:
     * when {@code maxConsecutive} events in a row have been dead-lettered (no event applied between them, counted
     * by this runner since it started or was resumed) and the next one fails too, the projection stops in
     * {@link ProjectionState#FAILED} at that event instead of skipping it, naming the budget. Fix the cause,
     * then {@link ProjectionRunner#resume()}: the count starts over.
     *
     * @param maxConsecutive dead letters allowed in a row, 1..100000 (default 10)
     */
    record Skip(int maxConsecutive) implements FailurePolicy {
        /** Validates the budget. */
        public Skip {
            io.lockstep.projection.internal.Arguments.requireRange(
                    "maxConsecutive", maxConsecutive, 1, MAX_CONSECUTIVE_SKIPS, DEFAULT_MAX_CONSECUTIVE_SKIPS);
        }
    }
}
