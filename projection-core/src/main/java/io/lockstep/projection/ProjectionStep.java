package io.lockstep.projection;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One step of a runner: read the batch after the checkpoint, commit it with the new checkpoint, and
 * sort out failures. Knows nothing of threads or timers. Not thread-safe.
 *
 * @param <C> the transaction context
 */
final class ProjectionStep<C> {

    private static final long UNKNOWN = Long.MIN_VALUE;

    private final EventSource source;
    private final ProjectionStore<C> store;
    private final CheckpointKey key;
    private final int batchSize;
    private final StatementMode mode;
    private final BatchCommitter<C> committer;
    private final FailureClassifier classifier;
    private final PoisonIsolation<C> isolation;
    private final StatusTracker status;
    private final BatchReader reader;
    private final AheadOfSourcePolicy aheadOfSource;
    private long checkpoint = UNKNOWN;
    private StepResult.Failed failed;
    /** What the store held when this step failed: an operator's change to it ends the failure. */
    private StoredCheckpoint failedAt;

    private final VersionGate<C> gate;
    /** Set by other threads (pause, resume) to make the next step read the stored checkpoint again. */
    private volatile boolean reread;
    /** Set by another thread (resume) to make the next step end a FAILED state and retry from the checkpoint. */
    private volatile boolean retry;

    ProjectionStep(RunnerSettings<C> settings, StatusTracker status) {
        this.source = settings.source();
        this.store = settings.store();
        this.key = settings.key();
        Projection<C> projection = settings.projection();
        this.batchSize = settings.batchSize();
        this.mode = projection.statementMode();
        this.status = status;
        this.committer = new BatchCommitter<>(projection, store, key, status);
        this.gate = new VersionGate<>(settings, status, committer);
        this.classifier = new FailureClassifier(settings.retryPolicy(), status, store);
        this.isolation = new PoisonIsolation<>(
                committer,
                projection.failurePolicy(),
                classifier,
                status,
                projection.name(),
                key.projection().equals(projection.name()));
        this.reader = new BatchReader(source, batchSize, key);
        this.aheadOfSource = settings.aheadOfSource();
    }

    StepResult step() {
        if (reread) {
            reread = false;
            checkpoint = UNKNOWN;
        }
        if (retry) {
            retry = false;
            retryNow();
        }
        if (failed != null && !operatorActed()) {
            return failed;
        }
        if (Thread.currentThread().isInterrupted()) {
            return new StepResult.Interrupted();
        }
        status.busy(true);
        Attempt attempt;
        try {
            attempt = readAndCommit();
            // while still busy: a first stall is dated from when the failing attempt began
            status.settle(attempt.result(), batchSize);
        } finally {
            status.busy(false);
        }
        switch (attempt) {
            case Attempt.BatchCommitted committed ->
                Listeners.safely(() ->
                        status.listener().batchCommitted(status.snapshot(), committed.events(), committed.took()));
            case Attempt.BatchFailed batchFailed ->
                Listeners.safely(() -> status.listener().batchFailed(status.snapshot(), batchFailed.result()));
            case Attempt.Other other -> {}
        }
        return attempt.result();
    }

    /** What one read-and-commit did, for the listeners: a batch committed, a batch failed, or neither. */
    private sealed interface Attempt {
        StepResult result();

        record BatchCommitted(StepResult result, int events, Duration took) implements Attempt {}

        record BatchFailed(StepResult result) implements Attempt {}

        record Other(StepResult result) implements Attempt {}
    }

    private Attempt readAndCommit() {
        long started = System.nanoTime();
        List<Envelope> batch;
        long from;
        try {
            Optional<StepResult> blocked = refreshCheckpoint();
            if (blocked.isPresent()) {
                return new Attempt.Other(blocked.get());
            }
            from = checkpoint;
            BatchReader.Read read = reader.read(from);
            if (read.problem() != null) {
                return new Attempt.Other(aheadOfSource(read.problem()));
            }
            batch = read.batch();
            status.head(Math.max(
                    read.head(), batch.isEmpty() ? from : batch.getLast().position()));
        } catch (RuntimeException e) {
            checkpoint = UNKNOWN;
            return new Attempt.Other(
                    Thread.currentThread().isInterrupted()
                            ? new StepResult.Interrupted()
                            : classifier.environmentFailure(e));
        }
        if (batch.isEmpty()) {
            // Re-read next time: an operator may have reset or paused the projection while it was idle.
            checkpoint = UNKNOWN;
            classifier.reset();
            return new Attempt.Other(new StepResult.Idle(from));
        }
        if (from == -1) {
            status.firstPosition(batch.getFirst().position());
        }
        status.pending(batch.getFirst().recordedAt());
        String disorder = disorder(batch, from);
        if (disorder != null) {
            return new Attempt.Other(fail(status.error(new LockstepException(disorder))));
        }
        try {
            checkpoint = committer.commit(batch, from, mode);
            reader.committed(batch.getLast());
            succeeded();
            return new Attempt.BatchCommitted(
                    new StepResult.Committed(from, checkpoint, batch.size()),
                    batch.size(),
                    Duration.ofNanos(System.nanoTime() - started));
        } catch (RuntimeException e) {
            return new Attempt.BatchFailed(batchFailed(batch, from, e));
        }
    }

    /** Makes the next step read the stored checkpoint (and paused flag) again. Thread-safe. */
    void reread() {
        reread = true;
    }

    /**
     * Makes the next step end a FAILED state (an operator resumed: the cause is fixed) and retry from the stored
     * checkpoint. Thread-safe; does nothing to a runner that is not FAILED.
     */
    void retry() {
        retry = true;
        reread = true;
    }

    /** Ends a FAILED state here and in a side-by-side build, on the stepping thread. */
    private void retryNow() {
        gate.retry();
        if (failed != null) {
            endFailure();
        }
    }

    /** Ends a FAILED state: the next step reads the stored checkpoint and starts counting failures afresh. */
    private void endFailure() {
        failed = null;
        failedAt = null;
        checkpoint = UNKNOWN;
        classifier.reset();
        isolation.applied();
        status.recovered();
    }

    /** A batch committed: failures counted so far are over. */
    private void succeeded() {
        classifier.reset();
        isolation.applied();
    }

    /** @return true while a side-by-side build of a new version runs */
    boolean rebuilding() {
        return gate.rebuilding();
    }

    /**
     * Sets the checkpoint back to {@code position} (clearing the read model when {@code clear}), keeping the
     * recorded version, and ends a FAILED state.
     */
    void reset(long position, boolean clear) {
        committer.reset(position, clear);
        reader.forget();
        endFailure();
    }

    /**
     * A FAILED step looks at the store again: when its checkpoint or version moved since the failure (an
     * operator reset or replayed it, here or in another process), the failure is over.
     */
    private boolean operatorActed() {
        StoredCheckpoint now;
        try {
            now = store.readCheckpoint(key);
        } catch (RuntimeException e) {
            return false;
        }
        if (failedAt == null || (now.position() == failedAt.position() && now.version() == failedAt.version())) {
            return false;
        }
        endFailure();
        return true;
    }

    /**
     * Reads the stored checkpoint when it is not known: pauses, and reconciles the stored version with the
     * projection's (a higher code version rebuilds once: in place, or side by side).
     *
     * @return a result that ends the step, or empty to go on
     */
    private Optional<StepResult> refreshCheckpoint() {
        if (checkpoint != UNKNOWN) {
            return Optional.empty();
        }
        StoredCheckpoint stored = store.readCheckpoint(key);
        status.checkpoint(stored.position());
        if (stored.paused()) {
            return Optional.of(new StepResult.Paused(stored.position()));
        }
        switch (gate.admit(stored)) {
            case VersionGate.Verdict.Open open -> {}
            case VersionGate.Verdict.ReadAgain again -> {
                return refreshCheckpoint();
            }
            case VersionGate.Verdict.Building building -> {
                return Optional.of(building.result());
            }
            case VersionGate.Verdict.Refused refused -> {
                return Optional.of(fail(status.error(refused.problem())));
            }
        }
        checkpoint = stored.position();
        reader.stored(stored.lastEvent());
        return Optional.empty();
    }

    /** @return why the source's batch cannot be applied after {@code from}, or null when it can */
    private String disorder(List<Envelope> batch, long from) {
        long previous = from;
        for (Envelope envelope : batch) {
            if (envelope.position() <= previous) {
                return "event source returned position " + envelope.position() + " after " + previous
                        + " while reading after checkpoint " + from + " of " + key
                        + "; positions must increase strictly. The projection stopped: fix the event source, then"
                        + " resume";
            }
            previous = envelope.position();
        }
        return null;
    }

    private StepResult batchFailed(List<Envelope> batch, long from, RuntimeException e) {
        if (Thread.currentThread().isInterrupted()) {
            return new StepResult.Interrupted();
        }
        if (classifier.nonPoison(e) instanceof FailureClassifier.Verdict.EndStep(StepResult notTheEvents)) {
            if (notTheEvents instanceof StepResult.Conflict) {
                checkpoint = UNKNOWN;
            }
            return notTheEvents;
        }
        if (classifier.handlerFailure(e) instanceof FailureClassifier.Verdict.EndStep(StepResult retry)) {
            return retry;
        }
        reader.forget();
        PoisonIsolation.Outcome outcome = isolation.isolate(batch, from);
        checkpoint = outcome.result() instanceof StepResult.Conflict ? UNKNOWN : outcome.checkpoint();
        switch (outcome.result()) {
            case StepResult.Failed f -> remember(f);
            case StepResult.Committed c -> succeeded();
            case StepResult.Skipped s -> classifier.reset();
            default -> {}
        }
        return Thread.currentThread().isInterrupted() ? new StepResult.Interrupted() : outcome.result();
    }

    /**
     * The stored checkpoint does not fit the source (see {@link BatchReader}): stop, or rebuild from -1 as
     * configured. A rebuild reports a retry without backoff, so the next step reads from -1.
     */
    private StepResult aheadOfSource(String problem) {
        checkpoint = UNKNOWN;
        reader.forget();
        return switch (aheadOfSource) {
            case AheadOfSourcePolicy.Stop stop ->
                fail(status.error(new LockstepException(problem + ". The projection"
                        + " stopped: replay it to rebuild from the log as it now is, or build the runner with"
                        + " whenAheadOfSource(AheadOfSourcePolicy.rebuild()) to do so by itself")));
            case AheadOfSourcePolicy.Rebuild rebuild -> {
                LockstepException cause = new LockstepException(problem + "; rebuilding from -1");
                status.error(cause);
                committer.reset(-1, true);
                status.recovered();
                yield new StepResult.Retrying(1, Duration.ZERO, false, cause);
            }
        };
    }

    private StepResult fail(ProjectionError error) {
        return remember(new StepResult.Failed(error));
    }

    private StepResult.Failed remember(StepResult.Failed result) {
        failed = result;
        try {
            failedAt = store.readCheckpoint(key);
        } catch (RuntimeException e) {
            failedAt = null;
        }
        return result;
    }
}
