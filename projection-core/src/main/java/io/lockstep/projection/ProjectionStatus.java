package io.lockstep.projection;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of one projection runner, for monitoring: is it moving, how far behind is it, what is failing.
 *
 * @param name            the projection's name
 * @param tenantId        the tenant, {@code ""} for none
 * @param version         the projection's version
 * @param state           where the runner is
 * @param checkpoint      the committed position, -1 when none
 * @param headPosition    the newest position in the event source, -1 when empty. A started runner reads it on
 *                        a schedule of its own ({@link ProjectionRunner.Builder#headRefresh}), so it stays
 *                        current while the runner is blocked, retrying, paused or FAILED; a runner driven by
 *                        {@link ProjectionRunner#step()} alone refreshes it with each step
 * @param lagEvents       how many events come after the checkpoint, up to the head: {@code headPosition -
 *                        checkpoint}, where a checkpoint of -1 counts from the log's first position (so a log of
 *                        positions 1..N lags N events behind -1); never negative
 * @param eventsProcessed events committed by this runner since it was built (passed-over events included)
 * @param lastError       the failure the runner is dealing with now (stalled, retrying a batch, FAILED, or the
 *                        poison event it just skipped); empty once a step succeeds again, when it moves to
 *                        {@code errorHistory}
 * @param lastEventRecordedAt when the last event this runner committed was appended, if any
 * @param lagSeconds      how far behind the read model is in time: now minus the append time of the oldest
 *                        event after the checkpoint, 0 when caught up
 * @param eventsPerSecond events committed per second, averaged over the last minute
 * @param stall           present while the state is {@link ProjectionState#STALLED}: since when, how many
 *                        attempts failed and when the next one is due
 * @param busySince       when the step in flight started reading or writing, empty between steps: a step that
 *                        has been busy for long is waiting on its store or source
 * @param errorHistory    failures the runner recovered from, newest first, at most {@link #HISTORY_SIZE}
 */
public record ProjectionStatus(
        String name,
        String tenantId,
        int version,
        ProjectionState state,
        long checkpoint,
        long headPosition,
        long lagEvents,
        long eventsProcessed,
        Optional<ProjectionError> lastError,
        Optional<Instant> lastEventRecordedAt,
        double lagSeconds,
        double eventsPerSecond,
        Optional<Stall> stall,
        Optional<Instant> busySince,
        List<ResolvedError> errorHistory) {

    /** How many resolved errors {@link #errorHistory()} keeps. */
    public static final int HISTORY_SIZE = 10;

    /** Validates the components. */
    public ProjectionStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(lastError, "lastError");
        Objects.requireNonNull(lastEventRecordedAt, "lastEventRecordedAt");
        Objects.requireNonNull(stall, "stall");
        Objects.requireNonNull(busySince, "busySince");
        errorHistory = List.copyOf(Objects.requireNonNull(errorHistory, "errorHistory"));
    }

    /**
     * A runner retrying a failure that is not an event's fault ({@link ProjectionState#STALLED}); the failure
     * itself is {@link ProjectionStatus#lastError()}.
     *
     * @param since       when the first attempt of this stall failed
     * @param attempts    attempts failed so far
     * @param nextAttempt when the runner tries again (a started runner; {@code step()} callers decide themselves)
     */
    public record Stall(Instant since, int attempts, Instant nextAttempt) {
        /** Validates the components. */
        public Stall {
            Objects.requireNonNull(since, "since");
            Objects.requireNonNull(nextAttempt, "nextAttempt");
        }
    }

    /**
     * A failure the runner got over: a stall that ended, a batch that committed after retries, a poison event
     * that was skipped, a FAILED state an operator ended.
     *
     * @param error      the last failure of the episode
     * @param since      when the episode's first failure happened
     * @param resolvedAt when a step succeeded again
     */
    public record ResolvedError(ProjectionError error, Instant since, Instant resolvedAt) {
        /** Validates the components. */
        public ResolvedError {
            Objects.requireNonNull(error, "error");
            Objects.requireNonNull(since, "since");
            Objects.requireNonNull(resolvedAt, "resolvedAt");
        }
    }
}
