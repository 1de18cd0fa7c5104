package io.lockstep.projection;

import java.util.List;

/**
 * Pins down the event that makes a batch fail, after the batch has used up its retries, and applies the
 * projection's {@link FailurePolicy} to it. The events before it are committed first (atomically, with
 * their checkpoint), so their progress is kept.
 *
 * <p>It replays the batch with {@link StatementMode#IMMEDIATE} so a typed handler's failure names its
 * event. When the failure names no event (a batch handler, a failure at commit) it halves the batch
 * until one event is left.
 *
 * @param <C> the transaction context
 */
final class PoisonIsolation<C> {

    /** The outcome: the checkpoint reached and the step's result. */
    record Outcome(long checkpoint, StepResult result) {
    }

    private final BatchCommitter<C> committer;
    private final FailurePolicy policy;
    private final FailureClassifier classifier;
    private final StatusTracker status;

    PoisonIsolation(BatchCommitter<C> committer, FailurePolicy policy, FailureClassifier classifier,
                    StatusTracker status) {
        this.committer = committer;
        this.policy = policy;
        this.classifier = classifier;
        this.status = status;
    }

    /**
     * Isolates the poison event of {@code batch}, whose checkpoint is {@code from}. A transient failure or
     * a conflict ends the isolation early with that result; the next step starts over from the
     * checkpoint reached.
     */
    Outcome isolate(List<Envelope> batch, long from) {
        long checkpoint = from;
        List<Envelope> rest = batch;
        while (true) {
            RuntimeException failure;
            try {
                checkpoint = committer.commit(rest, checkpoint, StatementMode.IMMEDIATE);
                return new Outcome(checkpoint, new StepResult.Committed(from, checkpoint, batch.size()));
            } catch (RuntimeException e) {
                failure = e;
            }
            StepResult nonPoison = interrupted(failure);
            if (nonPoison != null) {
                return new Outcome(checkpoint, nonPoison);
            }
            if (rest.size() == 1) {
                return applyPolicy(rest.getFirst(), checkpoint, failure);
            }
            EventApplyException named = Failures.find(failure, EventApplyException.class);
            int prefix = named != null ? named.index() : rest.size() / 2;
            if (prefix == 0) {
                rest = rest.subList(0, 1);
                continue;
            }
            try {
                checkpoint = committer.commit(rest.subList(0, prefix), checkpoint, StatementMode.IMMEDIATE);
                rest = rest.subList(prefix, rest.size());
            } catch (RuntimeException e) {
                StepResult stop = interrupted(e);
                if (stop != null) {
                    return new Outcome(checkpoint, stop);
                }
                rest = rest.subList(0, prefix);
            }
        }
    }

    /** @return the result that ends the isolation for a failure that says nothing about the event, or null */
    private StepResult interrupted(RuntimeException failure) {
        if (Thread.currentThread().isInterrupted()) {
            return new StepResult.Interrupted();
        }
        return classifier.nonPoison(failure);
    }

    private Outcome applyPolicy(Envelope poison, long checkpoint, RuntimeException failure) {
        ProjectionError error = status.error(poison, failure);
        return switch (policy) {
            case FailurePolicy.Stop stop -> fail(checkpoint, error);
            case FailurePolicy.Skip skip -> {
                try {
                    long skipped = committer.skip(poison, checkpoint, failure);
                    yield new Outcome(skipped, new StepResult.Skipped(poison.position(), error));
                } catch (RuntimeException e) {
                    StepResult nonPoison = classifier.nonPoison(e);
                    yield nonPoison != null ? new Outcome(checkpoint, nonPoison)
                            : fail(checkpoint, status.error(poison, new LockstepException(
                                    "could not record the dead letter of " + poison.describe() + " (" + e
                                            + "); is the dead-letter table migrated? The projection stopped", e)));
                }
            }
        };
    }

    private Outcome fail(long checkpoint, ProjectionError error) {
        status.state(ProjectionState.FAILED);
        return new Outcome(checkpoint, new StepResult.Failed(error));
    }
}
