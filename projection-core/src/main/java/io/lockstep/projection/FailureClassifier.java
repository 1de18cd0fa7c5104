package io.lockstep.projection;

/**
 * Sorts a failed batch's exception by whose fault it is, decides what the runner does next, and counts
 * consecutive failures for the backoff. Not thread-safe: used by one step at a time.
 *
 * <p>The rule: a failure is the <em>environment's</em> when its cause chain holds a
 * {@link TransientStoreException} (the store classified it: see the store's documentation for which errors),
 * when it came from reading the source, or when the store's {@link ProjectionStore#probe() probe} fails right
 * after it. Such a failure is retried with backoff for as long as it lasts, puts the runner in
 * {@link ProjectionState#STALLED}, and never counts against an event. Any other failure may be an event's: the
 * batch is retried up to {@link RetryPolicy#maxAttempts()} times, then its poison event is isolated and the
 * {@link FailurePolicy} applies (see {@link PoisonIsolation}).
 */
final class FailureClassifier {

    /** What a classified failure means for the step. */
    sealed interface Verdict {

        /** The step ends with {@code result}: a conflict, a failure of the environment, or a retry of the batch. */
        record EndStep(StepResult result) implements Verdict {}

        /** The failure may be an event's (and, after {@link #handlerFailure}, its batch used up its attempts). */
        record SuspectEvents() implements Verdict {}
    }

    private static final Verdict SUSPECT_EVENTS = new Verdict.SuspectEvents();

    private final RetryPolicy policy;
    private final StatusTracker status;
    private final ProjectionStore<?> store;
    private int handlerFailures;
    private int environmentFailures;

    FailureClassifier(RetryPolicy policy, StatusTracker status, ProjectionStore<?> store) {
        this.policy = policy;
        this.status = status;
        this.store = store;
    }

    /** Forgets the failures counted so far: a step succeeded. */
    void reset() {
        handlerFailures = 0;
        environmentFailures = 0;
    }

    /**
     * @return a step ending in {@link StepResult.Conflict} for a lost checkpoint race or in
     *         {@link StepResult.Retrying} for a failure the store classified as the environment's; else
     *         {@link Verdict.SuspectEvents}
     */
    Verdict nonPoison(Throwable failure) {
        CheckpointConflictException conflict = Failures.find(failure, CheckpointConflictException.class);
        if (conflict != null) {
            handlerFailures = 0;
            return new Verdict.EndStep(new StepResult.Conflict(conflict));
        }
        if (Failures.find(failure, TransientStoreException.class) != null) {
            return new Verdict.EndStep(environmentFailure(failure));
        }
        return SUSPECT_EVENTS;
    }

    /**
     * Counts a failure that is nobody's event's fault (a store outage, an event source that cannot be read):
     * retried with backoff for as long as it lasts, shown as {@link ProjectionState#STALLED}.
     */
    StepResult environmentFailure(Throwable failure) {
        environmentFailures++;
        java.time.Duration backoff = policy.backoff(environmentFailures);
        return new StepResult.Retrying(environmentFailures, backoff, true, failure);
    }

    /**
     * Proves whether a failure the store did not classify is the environment's: probes the store.
     *
     * @return a step ending in {@link StepResult.Retrying} when the probe failed too (the failure is the
     *         environment's), or {@link Verdict.SuspectEvents} when the store answers
     */
    Verdict probe(Throwable failure) {
        try {
            store.probe();
            return SUSPECT_EVENTS;
        } catch (RuntimeException probeFailure) {
            TransientStoreException environmental = new TransientStoreException(
                    "the batch failed (" + failure
                            + ") and the store failed a probe right after (" + probeFailure + "): the store is"
                            + " unavailable, which is no event's fault; retrying",
                    failure);
            environmental.addSuppressed(probeFailure);
            return new Verdict.EndStep(environmentFailure(environmental));
        }
    }

    /**
     * Counts a failure of the current batch that may be an event's, after probing the store.
     *
     * @return a step ending in {@link StepResult.Retrying} while attempts remain or when the probe showed the
     *         failure to be the environment's, or {@link Verdict.SuspectEvents} when the batch has used up its
     *         attempts and its poison event must be isolated
     */
    Verdict handlerFailure(Throwable failure) {
        if (probe(failure) instanceof Verdict.EndStep environmental) {
            return environmental;
        }
        status.error(failure);
        handlerFailures++;
        if (handlerFailures < policy.maxAttempts()) {
            return new Verdict.EndStep(
                    new StepResult.Retrying(handlerFailures, policy.backoff(handlerFailures), false, failure));
        }
        handlerFailures = 0;
        return SUSPECT_EVENTS;
    }
}
