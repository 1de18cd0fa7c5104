package io.lockstep.projection;

import java.time.Duration;

/**
 * Hears what a runner does, for metrics and logs. Called on the runner's thread after the fact; must be
 * quick and must not throw (a listener's exception is logged and ignored). All methods default to nothing.
 */
public interface ProjectionListener {

    /** A listener that does nothing. */
    ProjectionListener NONE = new ProjectionListener() {
    };

    /**
     * A batch committed.
     *
     * @param status   the runner's status right after the commit
     * @param events   events in the batch
     * @param duration from reading the batch to the commit
     */
    default void batchCommitted(ProjectionStatus status, int events, Duration duration) {
    }

    /** A batch failed (it rolled back); {@code result} says what happens next. */
    default void batchFailed(ProjectionStatus status, StepResult result) {
    }

    /** The runner's state changed. */
    default void stateChanged(ProjectionStatus status) {
    }
}
