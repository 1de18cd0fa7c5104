package io.lockstep.projection;

import java.util.List;

/**
 * Pins down the event that makes a batch fail, after the batch has used up its retries, and applies the
 * projection's {@link FailurePolicy} to it. The events before it are committed first (atomically, with
 * their checkpoint), so their progress is kept.
 *
 * <p>It replays the batch with {@link StatementMode#IMMEDIATE} so a typed handler's failure names its
 * event. When the failure names no event (a batch handler, a failure at commit) it halves the batch
 * until one event is left. Before it blames that event it probes the store: a failure the probe shares is the
 * environment's, and the step retries it instead. Under {@link FailurePolicy.Skip} it counts the dead letters
 * written in a row and stops the projection instead of going over the budget.
 *
 * @param <C> the transaction context
 */
final class PoisonIsolation<C> {

    /** The outcome: the checkpoint reached and the step's result. */
    record Outcome(long checkpoint, StepResult result) {}

    private final BatchCommitter<C> committer;
    private final FailurePolicy policy;
    private final FailureClassifier classifier;
    private final StatusTracker status;
    private final String projection;
    /**
     * Whether the runner keeps the projection's own checkpoint, so a reset of the projection goes past the poison
     * event; false for a partition or a side-by-side build, whose reset acts on other checkpoints too or is refused.
     */
    private final boolean ownCheckpoint;
    /** Events dead-lettered in a row, since the last event applied (or the last resume). */
    private int consecutiveSkips;

    PoisonIsolation(
            BatchCommitter<C> committer,
            FailurePolicy policy,
            FailureClassifier classifier,
            StatusTracker status,
            String projection,
            boolean ownCheckpoint) {
        this.committer = committer;
        this.policy = policy;
        this.classifier = classifier;
        this.status = status;
        this.projection = projection;
        this.ownCheckpoint = ownCheckpoint;
    }

    /** Events were applied: the dead letters before them no longer count as "in a row". */
    void applied() {
        consecutiveSkips = 0;
    }

    /**
     * Isolates the poison event of {@code batch}, whose checkpoint is {@code from}. A failure of the
     * environment or a conflict ends the isolation early with that result; the next step starts over from
     * the checkpoint reached.
     */
    Outcome isolate(List<Envelope> batch, long from) {
        long checkpoint = from;
        List<Envelope> rest = batch;
        while (true) {
            RuntimeException failure;
            try {
                checkpoint = committer.commit(rest, checkpoint, StatementMode.IMMEDIATE);
                applied();
                return new Outcome(checkpoint, new StepResult.Committed(from, checkpoint, batch.size()));
            } catch (RuntimeException e) {
                failure = e;
            }
            if (interrupted(failure) instanceof FailureClassifier.Verdict.EndStep(StepResult stop)) {
                return new Outcome(checkpoint, stop);
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
                applied();
                rest = rest.subList(prefix, rest.size());
            } catch (RuntimeException e) {
                if (interrupted(e) instanceof FailureClassifier.Verdict.EndStep(StepResult stop)) {
                    return new Outcome(checkpoint, stop);
                }
                rest = rest.subList(0, prefix);
            }
        }
    }

    /** @return the result that ends the isolation for a failure that says nothing about the event, if it is one */
    private FailureClassifier.Verdict interrupted(RuntimeException failure) {
        if (Thread.currentThread().isInterrupted()) {
            return new FailureClassifier.Verdict.EndStep(new StepResult.Interrupted());
        }
        return classifier.nonPoison(failure);
    }

    private Outcome applyPolicy(Envelope poison, long checkpoint, RuntimeException failure) {
        if (classifier.probe(failure) instanceof FailureClassifier.Verdict.EndStep(StepResult environmental)) {
            return new Outcome(checkpoint, environmental);
        }
        ProjectionError error = status.error(poison, failure);
        return switch (policy) {
            case FailurePolicy.Stop stop ->
                fail(
                        checkpoint,
                        error.advise("fix the handler or the event, then resume"
                                + " (it retries from checkpoint " + checkpoint + ")"
                                + (ownCheckpoint
                                        ? "; or reset to " + poison.position()
                                                + " to go past this event without applying it"
                                        : "")));
            case FailurePolicy.Skip skip ->
                consecutiveSkips >= skip.maxConsecutive()
                        ? fail(checkpoint, overBudget(error, skip.maxConsecutive(), checkpoint))
                        : skip(poison, checkpoint, failure, error);
        };
    }

    private Outcome skip(Envelope poison, long checkpoint, RuntimeException failure, ProjectionError error) {
        try {
            long skipped = committer.skip(poison, checkpoint, failure);
            consecutiveSkips++;
            return new Outcome(skipped, new StepResult.Skipped(poison.position(), error));
        } catch (RuntimeException e) {
            return interrupted(e) instanceof FailureClassifier.Verdict.EndStep(StepResult stop)
                    ? new Outcome(checkpoint, stop)
                    : fail(
                            checkpoint,
                            status.error(poison, e)
                                    .advise("the event failed (" + error.message()
                                            + ") and its dead letter could not be recorded; is the dead-letter table migrated? Fix"
                                            + " it, then resume (it retries from checkpoint " + checkpoint + ")"));
        }
    }

    private ProjectionError overBudget(ProjectionError error, int budget, long checkpoint) {
        return error.advise("projection '" + projection + "' stopped there instead of dead-lettering it: the "
                + budget + " events before it were all dead-lettered in a row (FailurePolicy.skip(" + budget
                + ")), which points at a fault of the projection's code or database rather than of the events."
                + " Fix the cause, then resume (it retries from checkpoint " + checkpoint + "; the dead letters"
                + " written so far stay where they are)");
    }

    private Outcome fail(long checkpoint, ProjectionError error) {
        status.error(error); // the step moves the state to FAILED from the result
        return new Outcome(checkpoint, new StepResult.Failed(error));
    }
}
