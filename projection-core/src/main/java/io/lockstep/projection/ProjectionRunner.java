package io.lockstep.projection;

import io.lockstep.projection.internal.Arguments;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;

/**
 * Runs one projection: reads events after its checkpoint, applies them in batches and commits each batch
 * together with the new checkpoint in one store transaction.
 *
 * <p>Two ways to drive it. {@link #step()} processes one batch on the caller's thread and says what
 * happened; schedulers (a thread, a Vert.x verticle, a test) wrap it. {@link #start()} runs the built-in
 * loop on a thread of its own: it steps while there is work, waits on the event source when caught up,
 * backs off after failures, waits while paused or FAILED (a poison event under {@link FailurePolicy.Stop})
 * until an operator acts, and ends on {@link #stop()}. A started runner also reads the source's head on a
 * schedule of its own ({@link Builder#headRefresh}), so its status shows the true lag while it is blocked.
 *
 * <p>Failures are sorted by whose fault they are. A failure of the environment (the store or the source
 * unavailable, a lock or statement timeout, a permission, a full disk: whatever the store classifies as a
 * {@link TransientStoreException}, and whatever fails the store's {@link ProjectionStore#probe() probe} too)
 * is retried with backoff for as long as it lasts, in state {@link ProjectionState#STALLED}; it never makes
 * an event poison, never reaches the {@link FailurePolicy} and never writes a dead letter. Only a failure that
 * belongs to an event (its handler threw, its data broke a constraint, it cannot be decoded) is retried
 * {@link RetryPolicy#maxAttempts()} times and then handed to the failure policy.
 *
 * <p>Guarantees: a batch's read-model writes and its checkpoint commit together or not at all, so after
 * a crash at any instant the projection resumes from the last committed checkpoint with nothing lost and
 * nothing applied twice. Two runners of the same projection never both commit the same event: the
 * second one's batch fails with a {@link CheckpointConflictException} and rolls back.
 *
 * <p>{@link #status()} and {@link #stop()} are thread-safe; {@link #step()} and {@link #catchUp()} must not
 * run while the loop runs.
 */
public interface ProjectionRunner extends AutoCloseable {

    /** Default of {@link Builder#batchSize(int)}: chosen from the replay benchmark (see the README). */
    int DEFAULT_BATCH_SIZE = 1000;
    /** Largest {@link Builder#batchSize(int)}. */
    int MAX_BATCH_SIZE = 10_000;
    /** Default of {@link Builder#idleWait(Duration)}. */
    Duration DEFAULT_IDLE_WAIT = Duration.ofSeconds(1);
    /** How long {@link #catchUp()} lets a stall last before it gives up. */
    Duration DEFAULT_CATCH_UP_PATIENCE = Duration.ofMinutes(1);
    /** Default of {@link Builder#headRefresh(Duration)}. */
    Duration DEFAULT_HEAD_REFRESH = Duration.ofSeconds(2);

    /**
     * Starts building a runner.
     *
     * @param projection what to apply
     * @param store      where the read model and checkpoint live
     * @param source     where events come from
     */
    static <C> Builder<C> builder(Projection<C> projection, ProjectionStore<C> store, EventSource source) {
        return new Builder<>(projection, store, source);
    }

    /** @return the checkpoint this runner advances */
    CheckpointKey key();

    /**
     * Processes at most one batch on the calling thread: reads the events after the checkpoint, applies
     * them and commits them with the new checkpoint in one transaction. Never throws for a failed batch:
     * the result says what happened.
     */
    StepResult step();

    /**
     * Steps on the calling thread until no event is left after the checkpoint, pausing as the retry policy
     * asks after failures, and gives up on a stall of its store or source that lasts longer than
     * {@link #DEFAULT_CATCH_UP_PATIENCE}. For tests, tools and replays; same as
     * {@code catchUp(DEFAULT_CATCH_UP_PATIENCE)}.
     *
     * @return the checkpoint reached
     * @throws LockstepException   when a poison event stopped the projection
     * @throws TransientStoreException when the projection stayed STALLED for longer than the patience
     * @throws InterruptedException when the calling thread is interrupted; the batch in flight rolled back
     */
    default long catchUp() throws InterruptedException {
        return catchUp(DEFAULT_CATCH_UP_PATIENCE);
    }

    /**
     * Steps on the calling thread until no event is left after the checkpoint, pausing as the retry policy
     * asks after failures. A failure of the environment is retried until it has lasted {@code patience}
     * (the loop of {@link #start()} never gives up; a tool or a test should not hang on a missing table).
     *
     * @param patience how long a stall may last before this call gives up, > 0
     * @return the checkpoint reached
     * @throws LockstepException   when a poison event stopped the projection
     * @throws TransientStoreException when the projection stayed STALLED for longer than {@code patience}; the
     *                             projection is left as it was (nothing half-committed)
     * @throws InterruptedException when the calling thread is interrupted; the batch in flight rolled back
     */
    long catchUp(Duration patience) throws InterruptedException;

    /**
     * Starts the loop on a thread from the builder's thread factory and returns at once.
     *
     * @throws IllegalStateException when already started
     */
    void start();

    /**
     * Asks the loop to stop and waits until it has ended: a batch in flight either commits or rolls back,
     * never half. Idempotent; does nothing when the loop was never started.
     */
    void stop();

    /**
     * Pauses the projection: stored with its checkpoint, so it stays paused across restarts and for every
     * runner of it. A batch that already claimed the checkpoint commits (the pause waits for it); no batch
     * claims it after. State {@link ProjectionState#PAUSED} from the next step on.
     */
    void pause();

    /**
     * Resumes a paused projection, and retries a FAILED one from its checkpoint: after the cause is fixed (a
     * handler deployed, an event's payload corrected, the database repaired) the next step reads the batch
     * after the stored checkpoint again. A cause that is still there fails it again, naming it. The resume of
     * a pause is stored (every runner of the projection resumes); ending FAILED concerns this runner.
     */
    void resume();

    /**
     * Retries a FAILED runner from its checkpoint at its next step, like {@link #resume()}, without touching the
     * stored pause: for a process that learns of a resume an operator gave elsewhere (a {@code ProjectionNode}'s
     * heartbeat), where a pause given since must stay. A runner that is not FAILED is only woken (a stalled one
     * tries again before its backoff ends), and a step in flight that ends FAILED is retried at once.
     */
    void retry();

    /**
     * Replays from -1: in ONE transaction the projection's reset handler clears its read model and the
     * checkpoint goes back to -1; then processing starts over. Readers never see old and new state mixed.
     * Also clears a FAILED state.
     *
     * @throws IllegalStateException when the projection has no reset handler
     */
    void replay();

    /**
     * Expert tool: sets the checkpoint to {@code position} (backward or forward) without touching the read
     * model, then goes on from there. Also clears a FAILED state (to skip past a poison event by hand).
     *
     * @param position >= -1
     */
    void resetTo(long position);

    /** Same as {@link #stop()}. */
    @Override
    void close();

    /** @return a snapshot of the runner's state, checkpoint, head, lag, current failure and error history */
    ProjectionStatus status();

    /**
     * Read-your-writes: waits until the projection's stored checkpoint is at or past {@code position}, so its
     * read model reflects every event up to that position, whichever runner (in this process or another)
     * processed it. Never blocks the caller: the wait runs on a virtual thread of its own, woken by this
     * runner's commits and otherwise reading the store every 100 ms. From Vert.x, wrap it with
     * {@code Future.fromCompletionStage(runner.awaitCheckpoint(p, t), context)}; from plain Java,
     * {@code join()} it. A replay started meanwhile makes the wait last until the replay passes the position again.
     *
     * @param position the position to wait for, e.g. the one the event log gave an append (-1 completes at once)
     * @param timeout  how long to wait, 0 s to 1 h
     * @return completes with the stored checkpoint, or exceptionally with a {@link CheckpointTimeoutException}
     *         carrying the checkpoint reached when the time ran out, or at once with the store's
     *         {@link TransientStoreException} when it cannot be reached
     * @throws IllegalArgumentException for a position below -1 or a timeout out of range
     */
    CompletableFuture<Long> awaitCheckpoint(long position, Duration timeout);

    /**
     * Builds a {@link ProjectionRunner}. Each setter validates its value; {@link #build()} returns an
     * immutable runner.
     *
     * @param <C> the transaction context
     */
    final class Builder<C> {
        private final Projection<C> projection;
        private final ProjectionStore<C> store;
        private final EventSource source;
        private String tenantId = CheckpointKey.NO_TENANT;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private RetryPolicy retryPolicy = RetryPolicy.defaults();
        private Duration idleWait = DEFAULT_IDLE_WAIT;
        private Duration headRefresh = DEFAULT_HEAD_REFRESH;
        private InstantSource clock = InstantSource.system();
        private ThreadFactory threadFactory;
        private ProjectionListener listener = ProjectionListener.NONE;
        private String checkpointName;
        private AheadOfSourcePolicy aheadOfSource = AheadOfSourcePolicy.stop();

        private Builder(Projection<C> projection, ProjectionStore<C> store, EventSource source) {
            this.projection = Objects.requireNonNull(projection, "projection");
            this.store = Objects.requireNonNull(store, "store");
            this.source = Objects.requireNonNull(source, "source");
        }

        /**
         * @param tenantId the tenant whose checkpoint this runner keeps, at most {@link CheckpointKey#MAX_LENGTH}
         *                 characters without U+0000 (default: none)
         */
        public Builder<C> tenant(String tenantId) {
            this.tenantId = Arguments.requireKeyPart(tenantId, "tenantId", CheckpointKey.MAX_LENGTH);
            return this;
        }

        /**
         * @param checkpointName the name of the checkpoint this runner advances (default: the projection's
         *                       name); a partition of a projection keeps a checkpoint of its own, see
         *                       {@link Partition#checkpointName(String)}
         */
        public Builder<C> checkpointName(String checkpointName) {
            this.checkpointName = Arguments.requireName(checkpointName, "checkpointName");
            return this;
        }

        /** @param batchSize events per transaction, 1..10000 (default 1000) */
        public Builder<C> batchSize(int batchSize) {
            this.batchSize = Arguments.requireRange("batchSize", batchSize, 1, MAX_BATCH_SIZE, DEFAULT_BATCH_SIZE);
            return this;
        }

        /** @param retryPolicy how failed batches are retried (default {@link RetryPolicy#defaults()}) */
        public Builder<C> retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
            return this;
        }

        /**
         * @param idleWait how long the loop waits for new events before reading again when caught up,
         *                 1 ms..1 min (default 1 s); a source that signals new events wakes it earlier
         */
        public Builder<C> idleWait(Duration idleWait) {
            Objects.requireNonNull(idleWait, "idleWait");
            if (idleWait.compareTo(Duration.ofMillis(1)) < 0 || idleWait.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException(
                        "idleWait " + idleWait + " makes no sense; use 1ms..1m (default " + DEFAULT_IDLE_WAIT + ")");
            }
            this.idleWait = idleWait;
            return this;
        }

        /**
         * @param headRefresh how often a started runner reads the source's head for its status while its own
         *                    steps do not, 10 ms..1 min (default 2 s): the most the status's head and lag can
         *                    lag behind the source while the runner is blocked, stalled, paused or FAILED
         */
        public Builder<C> headRefresh(Duration headRefresh) {
            Objects.requireNonNull(headRefresh, "headRefresh");
            if (headRefresh.compareTo(Duration.ofMillis(10)) < 0 || headRefresh.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("headRefresh " + headRefresh + " makes no sense; use 10ms..1m"
                        + " (default " + DEFAULT_HEAD_REFRESH + ")");
            }
            this.headRefresh = headRefresh;
            return this;
        }

        /** @param clock the clock of status timestamps (default: the system clock) */
        public Builder<C> clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** @param threadFactory makes the loop's thread (default: a virtual thread named after the projection) */
        public Builder<C> threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
            return this;
        }

        /**
         * @param listener hears batches, failures and state changes, e.g. {@code ProjectionMetrics}, which also
         *                 registers its gauges for the runner when it is built (default: none)
         */
        public Builder<C> listener(ProjectionListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * @param policy what to do when the stored checkpoint is ahead of the source's head, checked at start
         *               and at every step (default {@link AheadOfSourcePolicy#stop()})
         */
        public Builder<C> whenAheadOfSource(AheadOfSourcePolicy policy) {
            this.aheadOfSource = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * @return a runner, not started
         * @throws IllegalStateException when {@link AheadOfSourcePolicy.Rebuild} is asked of a projection
         *                               without a reset handler
         */
        public ProjectionRunner build() {
            if (aheadOfSource instanceof AheadOfSourcePolicy.Rebuild && !projection.resettable()) {
                throw new IllegalStateException("projection '" + projection.name() + "' cannot rebuild when its"
                        + " checkpoint is ahead of the source: it has no reset handler; add .onReset(tx -> ...) or"
                        + " keep whenAheadOfSource(AheadOfSourcePolicy.stop())");
            }
            CheckpointKey key =
                    new CheckpointKey(tenantId, checkpointName != null ? checkpointName : projection.name());
            ThreadFactory threads = threadFactory != null
                    ? threadFactory
                    : Thread.ofVirtual().name("lockstep-" + key.projection()).factory();
            ProjectionRunner runner = new DefaultProjectionRunner<>(new RunnerSettings<>(
                    projection,
                    store,
                    source,
                    key,
                    batchSize,
                    retryPolicy,
                    idleWait,
                    headRefresh,
                    clock,
                    threads,
                    listener,
                    aheadOfSource));
            Listeners.safely(() -> listener.attached(runner));
            return runner;
        }
    }
}
