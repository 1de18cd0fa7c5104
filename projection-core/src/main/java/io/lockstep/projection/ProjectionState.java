package io.lockstep.projection;

/** Where a projection runner is in its life. */
public enum ProjectionState {
    /** Created or starting; has not finished a step yet. */
    STARTING,
    /** Processing full batches: the head is further ahead than one batch. */
    CATCHING_UP,
    /** Caught up with the head; waiting for new events. */
    LIVE,
    /** Paused by an operator; keeps its checkpoint and processes nothing. Set by the management API (to come). */
    PAUSED,
    /** Stopped on a poison event under {@link FailurePolicy.Stop}; the status names the event. */
    FAILED,
    /** Stopped on request. */
    STOPPED
}
