package io.lockstep.projection;

import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in schedule around {@link ProjectionStep}: step while there is work, wait on the event source
 * when idle, back off after failures, end on stop or on a poison event under STOP.
 *
 * <p>A stop interrupts the loop's thread only while it waits (for events or a backoff), never while a batch
 * is in flight, so a batch always ends in a commit or a rollback of its own. (Waiting for events may query
 * the source; an interrupt then costs that pooled connection, never a transaction.) Wake-ups (pause,
 * resume, replay) never interrupt: they end a pause through a condition.
 */
final class ProjectionLoop implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(ProjectionLoop.class);

    private final java.util.function.Supplier<StepResult> step;
    private final EventSource source;
    private final Duration idleWait;
    private final StatusTracker status;
    private final String name;
    private final ReentrantLock phaseLock = new ReentrantLock();
    private boolean waiting;
    private final java.util.concurrent.locks.Condition woken = phaseLock.newCondition();
    private volatile boolean stopRequested;
    private boolean wakePending;
    private Thread thread;

    ProjectionLoop(
            java.util.function.Supplier<StepResult> step,
            EventSource source,
            Duration idleWait,
            StatusTracker status,
            String name) {
        this.step = step;
        this.source = source;
        this.idleWait = idleWait;
        this.status = status;
        this.name = name;
    }

    @Override
    public void run() {
        phaseLock.lock();
        try {
            thread = Thread.currentThread();
        } finally {
            phaseLock.unlock();
        }
        try {
            loop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.error("projection '{}' loop died", name, e);
            status.error(e);
            status.state(ProjectionState.FAILED);
            throw e;
        } finally {
            status.state(ProjectionState.STOPPED);
        }
    }

    private void loop() throws InterruptedException {
        boolean reportedFailure = false;
        while (!stopRequested) {
            StepResult result = step.get();
            if (!(result instanceof StepResult.Failed)) {
                reportedFailure = false;
            }
            switch (result) {
                case StepResult.Idle idle -> waitFor(() -> awaitEvents(idle.checkpoint()));
                case StepResult.Committed committed -> {}
                case StepResult.Skipped skipped ->
                    LOG.warn(
                            "projection '{}' skipped poison event: {}",
                            name,
                            skipped.error().message());
                case StepResult.Conflict conflict -> {
                    // Another runner of the projection committed this batch: routine when several run (counted by
                    // the listener as a failure of kind "conflict"), so not worth more than DEBUG.
                    LOG.debug("projection '{}': {}", name, conflict.cause().getMessage());
                    pause(idleWait);
                }
                case StepResult.Retrying retrying -> {
                    LOG.warn(
                            "projection '{}' {} (attempt {}), retrying in {}: {}",
                            name,
                            retrying.transientFailure()
                                    ? "stalled: its store or source failed, no event's fault"
                                    : "batch failed in a handler",
                            retrying.failures(),
                            retrying.backoff(),
                            retrying.cause().toString());
                    pause(retrying.backoff());
                }
                case StepResult.Paused paused -> pause(idleWait);
                case StepResult.Interrupted interrupted -> {
                    return;
                }
                case StepResult.Failed failed -> {
                    if (!reportedFailure) {
                        LOG.error(
                                "projection '{}' FAILED and waits for an operator: {}",
                                name,
                                failed.error().message(),
                                failed.error().cause());
                        reportedFailure = true;
                    }
                    pause(idleWait);
                }
            }
        }
    }

    /**
     * Waits for new events. A source that fails while waiting (a database blip) is logged and treated as
     * a wake-up: the next step reads, and backs off if the source is still down.
     */
    private void awaitEvents(long checkpoint) throws InterruptedException {
        try {
            source.awaitEvents(checkpoint, idleWait);
        } catch (RuntimeException e) {
            if (!stopRequested) {
                LOG.warn("projection '{}': waiting for events failed: {}", name, e.toString());
            }
        }
    }

    /** @return true when called on the loop's own thread */
    boolean isLoopThread() {
        phaseLock.lock();
        try {
            return thread == Thread.currentThread();
        } finally {
            phaseLock.unlock();
        }
    }

    /**
     * Waits for new events on the source; only {@link #requestStop()} interrupts it (an interrupt may cost
     * the source's pooled connection, so wake-ups never do).
     */
    private void waitFor(Wait wait) throws InterruptedException {
        phaseLock.lock();
        try {
            if (stopRequested) {
                return;
            }
            waiting = true;
        } finally {
            phaseLock.unlock();
        }
        try {
            wait.run();
        } finally {
            phaseLock.lock();
            try {
                waiting = false;
            } finally {
                phaseLock.unlock();
            }
        }
        if (Thread.interrupted()) {
            throw new InterruptedException("projection '" + name + "' loop interrupted");
        }
    }

    /** Sleeps up to {@code duration}; {@link #wake()} ends it early without an interrupt, stop with one. */
    private void pause(Duration duration) throws InterruptedException {
        phaseLock.lock();
        try {
            long nanos = duration.toNanos();
            while (!wakePending && !stopRequested && nanos > 0) {
                waiting = true;
                nanos = woken.awaitNanos(nanos);
            }
            wakePending = false;
        } finally {
            waiting = false;
            phaseLock.unlock();
        }
    }

    /** Cuts a pause (backoff, paused, failed) short so the loop steps again now; never interrupts. */
    void wake() {
        phaseLock.lock();
        try {
            wakePending = true;
            woken.signalAll();
        } finally {
            phaseLock.unlock();
        }
    }

    /** Asks the loop to end; interrupts it only when it is waiting. */
    void requestStop() {
        phaseLock.lock();
        try {
            stopRequested = true;
            woken.signalAll();
            if (waiting && thread != null) {
                thread.interrupt();
            }
        } finally {
            phaseLock.unlock();
        }
    }

    @FunctionalInterface
    private interface Wait {
        void run() throws InterruptedException;
    }
}
