package io.lockstep.projection;

import java.util.List;

/**
 * One step of a runner: read the batch after the checkpoint, commit it with the new checkpoint, and
 * sort out failures. Knows nothing of threads or timers. Not thread-safe.
 *
 * @param <C> the transaction context
 */
final class ProjectionStep<C> {

    private static final long UNKNOWN = Long.MIN_VALUE;

    private final EventSource source;
    private final CheckpointStore checkpoints;
    private final CheckpointKey key;
    private final int batchSize;
    private final StatementMode mode;
    private final BatchCommitter<C> committer;
    private final FailureClassifier classifier;
    private final PoisonIsolation<C> isolation;
    private final StatusTracker status;
    private long checkpoint = UNKNOWN;
    private StepResult.Failed failed;

    ProjectionStep(ProjectionRunner.Builder<C> config, CheckpointKey key, StatusTracker status) {
        this.source = config.source;
        this.checkpoints = key.tenantId().isEmpty() ? config.store.checkpoints()
                : config.store.checkpoints().forTenant(key.tenantId());
        this.key = key;
        this.batchSize = config.batchSize;
        this.mode = config.projection.statementMode();
        this.status = status;
        this.committer = new BatchCommitter<>(config.projection, config.store, key, status);
        this.classifier = new FailureClassifier(config.retryPolicy, status);
        this.isolation = new PoisonIsolation<>(committer, config.projection.failurePolicy(), classifier, status);
    }

    StepResult step() {
        if (failed != null) {
            return failed;
        }
        if (Thread.currentThread().isInterrupted()) {
            return new StepResult.Interrupted();
        }
        List<Envelope> batch;
        long from;
        try {
            from = checkpoint();
            batch = source.read(from, batchSize);
            status.head(Math.max(source.headPosition(), batch.isEmpty() ? from : batch.getLast().position()));
        } catch (RuntimeException e) {
            checkpoint = UNKNOWN;
            return Thread.currentThread().isInterrupted() ? new StepResult.Interrupted()
                    : classifier.transientFailure(e);
        }
        if (batch.isEmpty()) {
            // Re-read next time: an operator may have reset the checkpoint while the runner was idle.
            checkpoint = UNKNOWN;
            classifier.reset();
            status.state(ProjectionState.LIVE);
            return new StepResult.Idle(from);
        }
        String disorder = disorder(batch, from);
        if (disorder != null) {
            return fail(status.error(new LockstepException(disorder)));
        }
        try {
            checkpoint = committer.commit(batch, from, mode);
            classifier.reset();
            status.state(batch.size() < batchSize ? ProjectionState.LIVE : ProjectionState.CATCHING_UP);
            return new StepResult.Committed(from, checkpoint, batch.size());
        } catch (RuntimeException e) {
            return batchFailed(batch, from, e);
        }
    }

    private long checkpoint() {
        if (checkpoint == UNKNOWN) {
            checkpoint = checkpoints.getCheckpoint(key.projection());
            status.checkpoint(checkpoint);
        }
        return checkpoint;
    }

    /** @return why the source's batch cannot be applied after {@code from}, or null when it can */
    private String disorder(List<Envelope> batch, long from) {
        long previous = from;
        for (Envelope envelope : batch) {
            if (envelope.position() <= previous) {
                return "event source returned position " + envelope.position() + " after " + previous
                        + " while reading after checkpoint " + from + " of " + key
                        + "; positions must increase strictly. The projection stopped: fix the event source";
            }
            previous = envelope.position();
        }
        return null;
    }

    private StepResult batchFailed(List<Envelope> batch, long from, RuntimeException e) {
        if (Thread.currentThread().isInterrupted()) {
            return new StepResult.Interrupted();
        }
        StepResult nonPoison = classifier.nonPoison(e);
        if (nonPoison instanceof StepResult.Conflict) {
            checkpoint = UNKNOWN;
        }
        if (nonPoison != null) {
            return nonPoison;
        }
        StepResult retry = classifier.handlerFailure(e);
        if (retry != null) {
            return retry;
        }
        PoisonIsolation.Outcome outcome = isolation.isolate(batch, from);
        checkpoint = outcome.result() instanceof StepResult.Conflict ? UNKNOWN : outcome.checkpoint();
        switch (outcome.result()) {
            case StepResult.Failed f -> failed = f;
            case StepResult.Committed c -> classifier.reset();
            case StepResult.Skipped s -> classifier.reset();
            default -> { }
        }
        return Thread.currentThread().isInterrupted() ? new StepResult.Interrupted() : outcome.result();
    }

    private StepResult fail(ProjectionError error) {
        status.state(ProjectionState.FAILED);
        failed = new StepResult.Failed(error);
        return failed;
    }
}
