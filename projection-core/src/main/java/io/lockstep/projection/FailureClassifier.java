package io.lockstep.projection;

/**
 * Sorts a failed batch's exception into what the runner does next, and counts consecutive failures for
 * the backoff. Not thread-safe: used by one step at a time.
 */
final class FailureClassifier {

    private final RetryPolicy policy;
    private final StatusTracker status;
    private int handlerFailures;
    private int transientFailures;

    FailureClassifier(RetryPolicy policy, StatusTracker status) {
        this.policy = policy;
        this.status = status;
    }

    /** Forgets the failures counted so far: a batch committed. */
    void reset() {
        handlerFailures = 0;
        transientFailures = 0;
    }

    /**
     * @return {@link StepResult.Conflict} for a lost checkpoint race, {@link StepResult.Retrying} for a
     *         transient store failure, or null when the failure may be a poison event
     */
    StepResult nonPoison(Throwable failure) {
        CheckpointConflictException conflict = Failures.find(failure, CheckpointConflictException.class);
        if (conflict != null) {
            handlerFailures = 0;
            return new StepResult.Conflict(conflict);
        }
        if (Failures.find(failure, TransientStoreException.class) != null) {
            return transientFailure(failure);
        }
        return null;
    }

    /**
     * Counts a failure that is nobody's event's fault (a store outage, an event source that cannot be read):
     * retried with backoff for as long as it lasts.
     */
    StepResult transientFailure(Throwable failure) {
        status.error(ProjectionError.unattributed(failure, status.now()));
        transientFailures++;
        return new StepResult.Retrying(transientFailures, policy.backoff(transientFailures), true, failure);
    }

    /**
     * Counts a handler failure of the current batch.
     *
     * @return {@link StepResult.Retrying} while attempts remain, or null when the batch has used them up
     *         and its poison event must be isolated
     */
    StepResult handlerFailure(Throwable failure) {
        status.error(failure);
        handlerFailures++;
        if (handlerFailures < policy.maxAttempts()) {
            return new StepResult.Retrying(handlerFailures, policy.backoff(handlerFailures), false, failure);
        }
        handlerFailures = 0;
        return null;
    }
}
