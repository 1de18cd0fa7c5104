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

    StatusTracker(CheckpointKey key, int version, InstantSource clock) {
        this.key = key;
        this.version = version;
        this.clock = clock;
    }

    synchronized void committed(long newCheckpoint, int events) {
        checkpoint = newCheckpoint;
        processed += events;
        head = Math.max(head, newCheckpoint);
    }

    synchronized void checkpoint(long position) {
        checkpoint = position;
    }

    synchronized void head(long position) {
        head = position;
    }

    synchronized void state(ProjectionState newState) {
        if (state != ProjectionState.FAILED || newState == ProjectionState.FAILED) {
            state = newState;
        }
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
        return new ProjectionStatus(key.projection(), key.tenantId(), version, state, checkpoint, head,
                Math.max(0, head - checkpoint), processed, Optional.ofNullable(lastError));
    }
}
