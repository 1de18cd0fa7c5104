package io.lockstep.projection;

import java.time.Duration;
import java.util.Objects;

/** What one {@link ProjectionRunner#step()} did. A scheduler decides from it when to step again. */
public sealed interface StepResult {

    /** No event after the checkpoint: wait for new events. */
    record Idle(long checkpoint) implements StepResult {}

    /**
     * Events were applied and the checkpoint moved, in one transaction (or, after an isolation, in
     * several, each atomic).
     *
     * @param fromExclusive the checkpoint before
     * @param toInclusive   the checkpoint after
     * @param events        how many events were committed
     */
    record Committed(long fromExclusive, long toInclusive, int events) implements StepResult {}

    /**
     * The batch rolled back; step again after {@code backoff}.
     *
     * @param failures         consecutive failures of this kind so far
     * @param backoff          the pause the retry policy asks for
     * @param transientFailure true for a store failure (never makes an event poison)
     * @param cause            the failure
     */
    record Retrying(int failures, Duration backoff, boolean transientFailure, Throwable cause) implements StepResult {
        /** Validates the components. */
        public Retrying {
            Objects.requireNonNull(backoff, "backoff");
            Objects.requireNonNull(cause, "cause");
        }
    }

    /**
     * Another runner moved the checkpoint first; this batch rolled back and the runner re-reads the
     * checkpoint.
     */
    record Conflict(CheckpointConflictException cause) implements StepResult {}

    /** A poison event was written to the dead letters and the checkpoint moved past it. */
    record Skipped(long position, ProjectionError error) implements StepResult {}

    /** An operator paused the projection; nothing was read. Step again after a while (or after resume). */
    record Paused(long checkpoint) implements StepResult {}

    /**
     * The stepping thread was interrupted (the flag is set again); the batch rolled back or never started.
     * The caller should stop.
     */
    record Interrupted() implements StepResult {}

    /** A poison event stopped the projection (state {@link ProjectionState#FAILED}); stepping again does nothing. */
    record Failed(ProjectionError error) implements StepResult {}
}
