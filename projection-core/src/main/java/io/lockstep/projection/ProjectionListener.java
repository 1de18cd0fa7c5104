package io.lockstep.projection;

import java.time.Duration;

/**
 * Hears what a runner does, for metrics and logs. Called on the runner's thread after the fact; must be
 * quick and must not throw (a listener's exception is logged and ignored). All methods default to nothing.
 */
public interface ProjectionListener {

    /** A listener that does nothing. */
    ProjectionListener NONE = new ProjectionListener() {};

    /**
     * The runner this listener was given to was built: called once, on the thread calling
     * {@link ProjectionRunner.Builder#build()}, before the runner starts. A metrics listener registers its
     * gauges for {@code runner} here, so {@code .listener(metrics)} is the only call an application makes.
     */
    default void attached(ProjectionRunner runner) {}

    /**
     * A batch committed.
     *
     * @param status   the runner's status right after the commit
     * @param events   events in the batch
     * @param duration from reading the batch to the commit
     */
    default void batchCommitted(ProjectionStatus status, int events, Duration duration) {}

    /** A batch failed (it rolled back); {@code result} says what happens next. */
    default void batchFailed(ProjectionStatus status, StepResult result) {}

    /** The runner's state changed. */
    default void stateChanged(ProjectionStatus status) {}
}
