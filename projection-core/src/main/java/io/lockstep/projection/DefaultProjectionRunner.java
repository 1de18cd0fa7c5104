package io.lockstep.projection;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.ReentrantLock;

/** The {@link ProjectionRunner} behind {@link ProjectionRunner#builder}: a step, a loop and a status. */
final class DefaultProjectionRunner<C> implements ProjectionRunner {

    private final CheckpointKey key;
    private final ProjectionStep<C> step;
    private final StatusTracker status;
    private final ProjectionLoop loop;
    private final HeadWatcher headWatcher;
    private final ThreadFactory threadFactory;
    private final ReentrantLock stepLock = new ReentrantLock();
    private final ReentrantLock lifecycle = new ReentrantLock();
    private Thread thread;

    private final ProjectionStore<C> store;
    private final boolean resettable;
    private final CheckpointWaiters waiters;

    DefaultProjectionRunner(RunnerSettings<C> settings) {
        this.key = settings.key();
        this.store = settings.store();
        this.resettable = settings.projection().resettable();
        this.status = new StatusTracker(key, settings.projection().version(), settings.clock(), settings.listener());
        this.step = new ProjectionStep<>(settings, status);
        StatusTracker tracker = this.status;
        this.waiters =
                new CheckpointWaiters(key, store, () -> tracker.snapshot().checkpoint());
        this.loop = new ProjectionLoop(
                this::lockedStep,
                settings.source(),
                settings.idleWait(),
                status,
                settings.projection().name());
        this.headWatcher = new HeadWatcher(
                settings.source(),
                status,
                settings.headRefresh(),
                settings.projection().name());
        this.threadFactory = settings.threadFactory();
    }

    @Override
    public CheckpointKey key() {
        return key;
    }

    @Override
    public StepResult step() {
        return lockedStep();
    }

    private StepResult lockedStep() {
        stepLock.lock();
        try {
            return step.step();
        } finally {
            stepLock.unlock();
            waiters.checkpointMoved();
        }
    }

    @Override
    public void pause() {
        store.setPaused(key, true);
        step.reread();
        loop.wake();
    }

    @Override
    public void resume() {
        store.setPaused(key, false);
        step.retry();
        loop.wake();
    }

    @Override
    public void retry() {
        step.retry();
        loop.wake();
    }

    @Override
    public void replay() {
        if (!resettable) {
            throw new IllegalStateException("projection " + key + " has no reset handler, so it cannot be replayed;"
                    + " add .onReset(tx -> ...) that clears its tables");
        }
        underStepLock(() -> {
            requireNotRebuilding();
            step.reset(-1, true);
        });
    }

    @Override
    public void resetTo(long position) {
        io.lockstep.projection.internal.Arguments.requirePosition(position, "position");
        underStepLock(() -> {
            requireNotRebuilding();
            step.reset(position, false);
        });
    }

    private void requireNotRebuilding() {
        if (step.rebuilding()) {
            throw new IllegalStateException("projection " + key + " is being rebuilt side by side for a new version;"
                    + " wait until the new version has taken over, then replay or reset");
        }
    }

    private void underStepLock(Runnable action) {
        stepLock.lock();
        try {
            action.run();
        } finally {
            stepLock.unlock();
        }
        loop.wake();
    }

    @Override
    public long catchUp(Duration patience) throws InterruptedException {
        Objects.requireNonNull(patience, "patience");
        if (patience.isNegative() || patience.isZero()) {
            throw new IllegalArgumentException("patience " + patience + " makes no sense; use a positive duration"
                    + " (catchUp() uses " + DEFAULT_CATCH_UP_PATIENCE + ")");
        }
        while (true) {
            switch (step()) {
                case StepResult.Idle idle -> {
                    return idle.checkpoint();
                }
                case StepResult.Failed failed ->
                    throw new LockstepException(
                            failed.error().message(), failed.error().cause());
                case StepResult.Retrying retrying -> {
                    giveUpAfter(patience, retrying);
                    Thread.sleep(retrying.backoff());
                }
                case StepResult.Paused paused -> {
                    return paused.checkpoint();
                }
                case StepResult.Interrupted interrupted -> {
                    Thread.interrupted();
                    throw new InterruptedException("catchUp of " + key + " interrupted");
                }
                case StepResult.Committed committed -> {}
                case StepResult.Skipped skipped -> {}
                case StepResult.Conflict conflict -> {}
            }
        }
    }

    /** Throws when the stall {@code retrying} belongs to has lasted {@code patience}. */
    private void giveUpAfter(Duration patience, StepResult.Retrying retrying) {
        ProjectionStatus.Stall stall = status.snapshot().stall().orElse(null);
        if (retrying.transientFailure()
                && stall != null
                && !stall.since().plus(patience).isAfter(status.now())) {
            throw new TransientStoreException(
                    "projection " + key + " has been STALLED since " + stall.since()
                            + " (" + stall.attempts() + " attempts) and catchUp gives up after " + patience + ": "
                            + retrying.cause().getMessage(),
                    retrying.cause());
        }
    }

    @Override
    public void start() {
        lifecycle.lock();
        try {
            if (thread != null) {
                throw new IllegalStateException(
                        "projection runner " + key + " was already started; build a new" + " runner to run it again");
            }
            thread = threadFactory.newThread(loop);
            thread.start();
            Thread.ofVirtual().name("lockstep-head-" + key.projection()).start(headWatcher);
        } finally {
            lifecycle.unlock();
        }
    }

    @Override
    public void stop() {
        Thread running;
        lifecycle.lock();
        try {
            running = thread;
        } finally {
            lifecycle.unlock();
        }
        if (running == null) {
            return;
        }
        loop.requestStop();
        headWatcher.stop();
        if (loop.isLoopThread()) {
            return; // a handler stopping its own runner: the loop ends after this batch
        }
        io.lockstep.projection.internal.Threads.joinUninterruptibly(running);
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public ProjectionStatus status() {
        return status.snapshot();
    }

    @Override
    public CompletableFuture<Long> awaitCheckpoint(long position, Duration timeout) {
        return waiters.await(position, timeout);
    }
}
