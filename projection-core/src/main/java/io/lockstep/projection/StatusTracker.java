package io.lockstep.projection;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;

/**
 * Keeps a runner's live figures and hands out consistent {@link ProjectionStatus} snapshots. Written by the
 * step (its outcomes) and by the {@link HeadWatcher} (the head); read by anyone. Thread-safe.
 */
final class StatusTracker {

    private static final long UNKNOWN = Long.MIN_VALUE;

    private final CheckpointKey key;
    private final int version;
    private final InstantSource clock;
    private final ProjectionListener listener;
    private ProjectionState state = ProjectionState.STARTING;
    private long checkpoint = -1;
    private long head = -1;
    private Instant headReadAt;
    /** The position of the log's first event, once seen: what a checkpoint of -1 counts lag from. */
    private long firstPosition = UNKNOWN;

    private long processed;
    private ProjectionError lastError;
    /** When the failure episode that {@link #lastError} belongs to began; null while healthy. */
    private Instant failingSince;

    private ProjectionStatus.Stall stall;
    private Instant busySince;
    private int busyDepth;
    private final ArrayDeque<ProjectionStatus.ResolvedError> history = new ArrayDeque<>();
    private Instant lastRecordedAt;
    private Instant oldestPending;
    private final RateWindow rate = new RateWindow();

    StatusTracker(CheckpointKey key, int version, InstantSource clock, ProjectionListener listener) {
        this.key = key;
        this.version = version;
        this.clock = clock;
        this.listener = listener;
    }

    ProjectionListener listener() {
        return listener;
    }

    Instant now() {
        return clock.instant();
    }

    synchronized void committed(long newCheckpoint, int events, Instant lastEventRecordedAt) {
        checkpoint = newCheckpoint;
        processed += events;
        head = Math.max(head, newCheckpoint);
        lastRecordedAt = lastEventRecordedAt;
        rate.add(clock.instant(), events);
    }

    /** Sets the checkpoint read from the store; a moved checkpoint forgets what was pending after the old one. */
    synchronized void checkpoint(long position) {
        if (position != checkpoint) {
            oldestPending = null;
        }
        checkpoint = position;
    }

    /** @return the checkpoint as last known */
    synchronized long checkpoint() {
        return checkpoint;
    }

    /** Records the source's head as just read; the head never moves back (a read may race a newer one). */
    synchronized void head(long position) {
        head = Math.max(head, position);
        headReadAt = clock.instant();
    }

    /** @return true when the head was read within {@code maxAge} */
    synchronized boolean headFresh(Duration maxAge) {
        return headReadAt != null
                && Duration.between(headReadAt, clock.instant()).compareTo(maxAge) < 0;
    }

    /** @return true when the lag in time is unknown although events wait after the checkpoint */
    synchronized boolean pendingUnknown() {
        return head > checkpoint && (oldestPending == null || (checkpoint == -1 && firstPosition == UNKNOWN));
    }

    /** Remembers when the oldest event read but not yet committed was appended; null when none waits. */
    synchronized void pending(Instant oldestUnprocessed) {
        oldestPending = oldestUnprocessed;
    }

    /**
     * Remembers the first event after {@code after} (read by the head watcher) unless the checkpoint moved since
     * or a step already said what waits.
     */
    synchronized void firstAfter(long after, Envelope first) {
        if (after == -1) {
            firstPosition = first.position();
        }
        if (after == checkpoint && oldestPending == null) {
            oldestPending = first.recordedAt();
        }
    }

    /** Remembers the position of the log's first event (a read after -1 returned it). */
    synchronized void firstPosition(long position) {
        firstPosition = position;
    }

    /** Marks the start ({@code true}) or the end of a step's reads and writes; a nested step (a rebuild's) nests. */
    synchronized void busy(boolean busy) {
        busyDepth += busy ? 1 : -1;
        if (busy && busyDepth == 1) {
            busySince = clock.instant();
        } else if (busyDepth == 0) {
            busySince = null;
        }
    }

    /** Records {@code error} as the failure being dealt with now. */
    synchronized void error(ProjectionError error) {
        lastError = error;
        if (failingSince == null) {
            failingSince = error.occurredAt();
        }
    }

    ProjectionError error(Throwable cause) {
        ProjectionError error = ProjectionError.of(cause, clock.instant());
        error(error);
        return error;
    }

    ProjectionError error(Envelope envelope, Throwable cause) {
        ProjectionError error = ProjectionError.of(key.projection(), envelope, cause, clock.instant());
        error(error);
        return error;
    }

    /**
     * Records a failure that is not an event's fault and moves to {@link ProjectionState#STALLED} (unless FAILED).
     *
     * @param attempts attempts failed in a row
     * @param backoff  the pause before the next one
     */
    void stalled(ProjectionError error, int attempts, Duration backoff) {
        synchronized (this) {
            if (failingSince == null && busySince != null) {
                failingSince = busySince; // it could not reach its store or source since the attempt began
            }
            error(error);
            stall = new ProjectionStatus.Stall(
                    failingSince, attempts, error.occurredAt().plus(backoff));
        }
        state(ProjectionState.STALLED);
    }

    /** A step succeeded: the failure being dealt with, if any, moves to the history. */
    synchronized void healthy() {
        if (lastError != null) {
            history.addFirst(new ProjectionStatus.ResolvedError(lastError, failingSince, clock.instant()));
            while (history.size() > ProjectionStatus.HISTORY_SIZE) {
                history.removeLast();
            }
        }
        lastError = null;
        failingSince = null;
        stall = null;
    }

    /** Leaves FAILED after an operator acted (resume, replay, reset): the only way out of it. */
    void recovered() {
        synchronized (this) {
            if (state != ProjectionState.FAILED) {
                return;
            }
            state = ProjectionState.CATCHING_UP;
        }
        Listeners.safely(() -> listener.stateChanged(snapshot()));
    }

    /** Leaves {@link ProjectionState#STALLED} for CATCHING_UP: the store answers again, the batch goes on. */
    void leaveStall() {
        synchronized (this) {
            if (state != ProjectionState.STALLED) {
                return;
            }
        }
        state(ProjectionState.CATCHING_UP);
    }

    /**
     * The one place a step's result moves the status: caught up, progressing, paused, failed, stalled on the
     * environment, or out of a stall. What the status records besides (checkpoint, head, errors) is written where
     * it is learnt.
     *
     * @param batchSize the runner's batch size: a committed batch smaller than it was the last one for now
     */
    void settle(StepResult result, int batchSize) {
        switch (result) {
            case StepResult.Idle idle -> idle();
            case StepResult.Committed committed -> {
                healthy();
                progressed(committed.events() < batchSize);
            }
            case StepResult.Paused paused -> paused();
            case StepResult.Failed failure -> failed(failure.error());
            case StepResult.Retrying retrying
            when retrying.transientFailure() ->
                stalled(ProjectionError.unattributed(retrying.cause(), now()), retrying.failures(), retrying.backoff());
            case StepResult.Retrying retrying -> leaveStall(); // the store answered: not the environment's failure
            case StepResult.Skipped skipped -> leaveStall();
            case StepResult.Conflict conflict -> {}
            case StepResult.Interrupted interrupted -> {}
        }
    }

    /** The step found nothing to do: nothing waits, any failure is over, {@link ProjectionState#LIVE}. */
    private void idle() {
        pending(null);
        healthy();
        state(ProjectionState.LIVE);
    }

    /** The step found the projection paused by an operator: any failure is over, {@link ProjectionState#PAUSED}. */
    private void paused() {
        healthy();
        state(ProjectionState.PAUSED);
    }

    /** A batch committed; {@link ProjectionState#LIVE} when it was the last one for now, else CATCHING_UP. */
    private void progressed(boolean caughtUp) {
        state(caughtUp ? ProjectionState.LIVE : ProjectionState.CATCHING_UP);
    }

    /** The projection stopped at {@code error} until an operator acts: {@link ProjectionState#FAILED}. */
    private void failed(ProjectionError error) {
        error(error);
        state(ProjectionState.FAILED);
    }

    /** Moves to {@code newState} (FAILED sticks) and tells the listener when it changed. */
    void state(ProjectionState newState) {
        synchronized (this) {
            if (newState != ProjectionState.STALLED) {
                stall = null;
            }
            if (state == newState || (state == ProjectionState.FAILED && newState != ProjectionState.FAILED)) {
                return;
            }
            state = newState;
        }
        Listeners.safely(() -> listener.stateChanged(snapshot()));
    }

    synchronized ProjectionStatus snapshot() {
        Instant now = clock.instant();
        long lag = Math.max(0, head - lagBase());
        double lagSeconds = lag == 0 || oldestPending == null
                ? 0
                : Math.max(0, Duration.between(oldestPending, now).toMillis() / 1000.0);
        return new ProjectionStatus(
                key.projection(),
                key.tenantId(),
                version,
                state,
                checkpoint,
                head,
                lag,
                processed,
                Optional.ofNullable(lastError),
                Optional.ofNullable(lastRecordedAt),
                lagSeconds,
                rate.perSecond(now),
                Optional.ofNullable(state == ProjectionState.STALLED ? stall : null),
                Optional.ofNullable(busySince),
                List.copyOf(history));
    }

    /** @return the position lag counts from: the checkpoint, or before the first event for a checkpoint of -1 */
    private long lagBase() {
        return checkpoint == -1 && firstPosition != UNKNOWN ? firstPosition - 1 : checkpoint;
    }
}
