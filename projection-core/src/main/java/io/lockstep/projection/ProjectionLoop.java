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
 * is in flight, so a batch always ends in a commit or a rollback of its own.
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
    private volatile boolean stopRequested;
    private boolean wakeRequested;
    private Thread thread;

    ProjectionLoop(java.util.function.Supplier<StepResult> step, EventSource source, Duration idleWait, StatusTracker status, String name) {
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
                case StepResult.Committed committed -> { }
                case StepResult.Skipped skipped ->
                        LOG.warn("projection '{}' skipped poison event: {}", name, skipped.error().message());
                case StepResult.Conflict conflict -> {
                    LOG.info("projection '{}': {}", name, conflict.cause().getMessage());
                    waitFor(() -> Thread.sleep(idleWait));
                }
                case StepResult.Retrying retrying -> {
                    LOG.warn("projection '{}' batch failed ({} failure {}), retrying in {}: {}", name,
                            retrying.transientFailure() ? "transient" : "handler", retrying.failures(),
                            retrying.backoff(), retrying.cause().toString());
                    waitFor(() -> Thread.sleep(retrying.backoff()));
                }
                case StepResult.Paused paused -> waitFor(() -> Thread.sleep(idleWait));
                case StepResult.Interrupted interrupted -> {
                    return;
                }
                case StepResult.Failed failed -> {
                    if (!reportedFailure) {
                        LOG.error("projection '{}' failed and waits for an operator (replay, reset or a fix and"
                                + " restart): {}", name, failed.error().message(), failed.error().cause());
                        reportedFailure = true;
                    }
                    waitFor(() -> Thread.sleep(idleWait));
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

    /** Runs a blocking wait that {@link #requestStop()} may interrupt. */
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
        } catch (InterruptedException e) {
            if (!consumeWake()) {
                throw e;
            }
        } finally {
            phaseLock.lock();
            try {
                waiting = false;
            } finally {
                phaseLock.unlock();
            }
        }
        if (Thread.interrupted() && !consumeWake()) {
            throw new InterruptedException("projection '" + name + "' loop interrupted");
        }
    }

    /** @return true when an interrupt was a wake-up (pause, resume, replay), not a stop */
    private boolean consumeWake() {
        phaseLock.lock();
        try {
            boolean wake = wakeRequested && !stopRequested;
            wakeRequested = false;
            return wake;
        } finally {
            phaseLock.unlock();
        }
    }

    /** Cuts the loop's current wait short, so it steps again now; does nothing while a batch runs. */
    void wake() {
        phaseLock.lock();
        try {
            if (waiting && thread != null && !stopRequested) {
                wakeRequested = true;
                thread.interrupt();
            }
        } finally {
            phaseLock.unlock();
        }
    }

    /** Asks the loop to end; interrupts it only when it is waiting. */
    void requestStop() {
        phaseLock.lock();
        try {
            stopRequested = true;
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
