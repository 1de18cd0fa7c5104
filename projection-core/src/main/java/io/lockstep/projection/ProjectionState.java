package io.lockstep.projection;

/** Where a projection runner is in its life. */
public enum ProjectionState {
    /** Created or starting; has not finished a step yet. */
    STARTING,
    /** Processing full batches: the head is further ahead than one batch. */
    CATCHING_UP,
    /** Caught up with the head; waiting for new events. */
    LIVE,
    /** Paused by an operator; keeps its checkpoint and processes nothing until resumed. */
    PAUSED,
    /**
     * Retrying a failure that is not an event's fault (the store or the source unreachable, a lock or statement
     * timeout, a missing permission, a full disk, a read-only server): nothing is committed while it lasts, no
     * event is blamed, and the runner leaves this state by itself with the first step that succeeds. The
     * status carries the error, since when it lasts and when the next attempt is due
     * ({@link ProjectionStatus#stall()}).
     */
    STALLED,
    /**
     * Stopped on a failure that needs an operator: a poison event under {@link FailurePolicy.Stop}, a skip
     * budget used up, a version the code cannot run. The status names the cause;
     * {@link ProjectionRunner#resume()} retries from the checkpoint once the cause is fixed.
     */
    FAILED,
    /** Stopped on request. */
    STOPPED
}
