package io.lockstep.projection;

import java.time.InstantSource;
import java.util.Optional;

/** Keeps a runner's live figures and hands out consistent {@link ProjectionStatus} snapshots. Thread-safe. */
final class StatusTracker {

    private final CheckpointKey key;
    private final int version;
    private final InstantSource clock;
    private ProjectionState state = ProjectionState.STARTING;
    private long checkpoint = -1;
    private long head = -1;
    private long processed;
    private ProjectionError lastError;
    private java.time.Instant lastRecordedAt;
    private java.time.Instant oldestPending;
    private final RateWindow rate = new RateWindow();

    private final ProjectionListener listener;

    StatusTracker(CheckpointKey key, int version, InstantSource clock, ProjectionListener listener) {
        this.key = key;
        this.version = version;
        this.clock = clock;
        this.listener = listener;
    }

    ProjectionListener listener() {
        return listener;
    }

    synchronized void committed(long newCheckpoint, int events, java.time.Instant lastEventRecordedAt) {
        checkpoint = newCheckpoint;
        processed += events;
        head = Math.max(head, newCheckpoint);
        lastRecordedAt = lastEventRecordedAt;
        rate.add(clock.instant(), events);
    }

    synchronized void checkpoint(long position) {
        checkpoint = position;
    }

    synchronized void head(long position) {
        head = position;
    }

    /** Remembers when the oldest event read but not yet committed was appended; null when none waits. */
    synchronized void pending(java.time.Instant oldestUnprocessed) {
        oldestPending = oldestUnprocessed;
    }

    /** Leaves FAILED after an operator acted (replay, reset): the only way out of it. */
    void recovered() {
        synchronized (this) {
            if (state != ProjectionState.FAILED) {
                return;
            }
            state = ProjectionState.CATCHING_UP;
        }
        Listeners.safely(() -> listener.stateChanged(snapshot()));
    }

    /** Moves to {@code newState} (FAILED sticks) and tells the listener when it changed. */
    void state(ProjectionState newState) {
        synchronized (this) {
            if (state == newState || (state == ProjectionState.FAILED && newState != ProjectionState.FAILED)) {
                return;
            }
            state = newState;
        }
        Listeners.safely(() -> listener.stateChanged(snapshot()));
    }

    java.time.Instant now() {
        return clock.instant();
    }

    synchronized void error(ProjectionError error) {
        lastError = error;
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

    synchronized ProjectionStatus snapshot() {
        java.time.Instant now = clock.instant();
        long lag = Math.max(0, head - checkpoint);
        double lagSeconds = lag == 0 || oldestPending == null ? 0
                : Math.max(0, java.time.Duration.between(oldestPending, now).toMillis() / 1000.0);
        return new ProjectionStatus(key.projection(), key.tenantId(), version, state, checkpoint, head, lag, processed,
                Optional.ofNullable(lastError), Optional.ofNullable(lastRecordedAt), lagSeconds, rate.perSecond(now));
    }
}
