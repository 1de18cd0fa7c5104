package io.lockstep.projection;

/**
 * What a runner does with a poison event: one whose handler still fails after the batch was retried
 * {@link RetryPolicy#maxAttempts()} times and the event was isolated in a transaction of its own.
 * Transient store failures never make an event poison.
 */
public sealed interface FailurePolicy {

    /** @return {@link Stop}, the default */
    static FailurePolicy stop() {
        return new Stop();
    }

    /** @return {@link Skip} */
    static FailurePolicy skip() {
        return new Skip();
    }

    /**
     * The projection stops in state {@link ProjectionState#FAILED}; its status shows the position, event
     * type and exception. The read model holds exactly the effects of the events before it.
     */
    record Stop() implements FailurePolicy {
    }

    /**
     * The event and its error are written to the dead-letter table in the same transaction that moves the
     * checkpoint past it; processing goes on with the next event.
     */
    record Skip() implements FailurePolicy {
    }
}
