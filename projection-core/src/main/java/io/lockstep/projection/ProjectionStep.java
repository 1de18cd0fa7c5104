package io.lockstep.projection;

import java.util.List;

/**
 * One step of a runner: read the batch after the checkpoint, commit it with the new checkpoint, and
 * sort out failures. Knows nothing of threads or timers. Not thread-safe.
 *
 * @param <C> the transaction context
 */
final class ProjectionStep<C> {

    private final EventSource source;
    private final CheckpointStore checkpoints;
    private final CheckpointKey key;
    private final int batchSize;
    private final BatchCommitter<C> committer;
    private final FailureClassifier classifier;
    private final PoisonIsolation<C> isolation;
    private final StatusTracker status;
    private long checkpoint = Long.MIN_VALUE;
    private StepResult.Failed failed;

    ProjectionStep(ProjectionRunner.Builder<C> config, CheckpointKey key, StatusTracker status) {
        this.source = config.source;
        this.checkpoints = key.tenantId().isEmpty() ? config.store.checkpoints()
                : config.store.checkpoints().forTenant(key.tenantId());
        this.key = key;
        this.batchSize = config.batchSize;
        this.status = status;
        this.committer = new BatchCommitter<>(config.projection, config.store, key, status);
        this.classifier = new FailureClassifier(config.retryPolicy, status);
        this.isolation = new PoisonIsolation<>(committer, config.projection.failurePolicy(), classifier, status);
    }

    StepResult step() {
        if (failed != null) {
            return failed;
        }
        List<Envelope> batch;
        long from;
        try {
            from = checkpoint();
            batch = source.read(from, batchSize);
            status.head(Math.max(source.headPosition(), batch.isEmpty() ? from : batch.getLast().position()));
        } catch (RuntimeException e) {
            return readFailed(e);
        }
        if (batch.isEmpty()) {
            classifier.reset();
            status.state(ProjectionState.LIVE);
            return new StepResult.Idle(from);
        }
        try {
            checkpoint = committer.commit(batch, from, StatementMode.BATCHED);
            classifier.reset();
            status.state(batch.size() < batchSize ? ProjectionState.LIVE : ProjectionState.CATCHING_UP);
            return new StepResult.Committed(from, checkpoint, batch.size());
        } catch (RuntimeException e) {
            return batchFailed(batch, from, e);
        }
    }

    private long checkpoint() {
        if (checkpoint == Long.MIN_VALUE) {
            checkpoint = checkpoints.getCheckpoint(key.projection());
            status.checkpoint(checkpoint);
        }
        return checkpoint;
    }

    private StepResult readFailed(RuntimeException e) {
        StepResult nonPoison = classifier.nonPoison(e);
        if (nonPoison != null) {
            return nonPoison;
        }
        StepResult retry = classifier.handlerFailure(e);
        return retry != null ? retry : fail(status.error(e));
    }

    private StepResult batchFailed(List<Envelope> batch, long from, RuntimeException e) {
        StepResult nonPoison = classifier.nonPoison(e);
        if (nonPoison instanceof StepResult.Conflict) {
            checkpoint = Long.MIN_VALUE;
        }
        if (nonPoison != null) {
            return nonPoison;
        }
        StepResult retry = classifier.handlerFailure(e);
        if (retry != null) {
            return retry;
        }
        PoisonIsolation.Outcome outcome = isolation.isolate(batch, from);
        checkpoint = outcome.result() instanceof StepResult.Conflict ? Long.MIN_VALUE : outcome.checkpoint();
        if (outcome.result() instanceof StepResult.Failed f) {
            failed = f;
        } else {
            classifier.reset();
        }
        return outcome.result();
    }

    private StepResult fail(ProjectionError error) {
        status.state(ProjectionState.FAILED);
        failed = new StepResult.Failed(error);
        return failed;
    }
}
