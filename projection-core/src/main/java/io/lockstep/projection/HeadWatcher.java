package io.lockstep.projection;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started runner's background duty: reads the source's head on a schedule of its own, so the status's head
 * and lag stay current (at most one interval old) while the loop is blocked in a batch, stalled, paused or
 * FAILED. It also reads the first event after the checkpoint when the status does not know it yet, for the lag
 * in time and for a checkpoint of -1. Reads nothing when the loop's own steps read the head recently.
 *
 * <p>A failed read is ignored: the loop's step reports an outage; this duty only keeps the last figures. It
 * runs on a virtual thread of its own and is never interrupted (an interrupt may cost the source's pooled
 * connection): {@link #stop()} ends it after its current read.
 */
final class HeadWatcher implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(HeadWatcher.class);

    private final EventSource source;
    private final StatusTracker status;
    private final Duration interval;
    private final String name;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition stopping = lock.newCondition();
    private boolean stopped;

    HeadWatcher(EventSource source, StatusTracker status, Duration interval, String name) {
        this.source = source;
        this.status = status;
        this.interval = interval;
        this.name = name;
    }

    @Override
    public void run() {
        while (waitInterval()) {
            refresh();
        }
    }

    /** Reads the head (unless fresh) and, when unknown, the first event after the checkpoint. */
    void refresh() {
        try {
            if (!status.headFresh(interval)) {
                status.head(source.headPosition());
            }
            if (status.pendingUnknown()) {
                long after = status.checkpoint();
                List<Envelope> first = source.read(after, 1);
                if (!first.isEmpty()) {
                    status.firstAfter(after, first.getFirst());
                }
            }
        } catch (RuntimeException e) {
            LOG.debug(
                    "projection '{}': reading the head failed (the runner's step reports outages): {}",
                    name,
                    e.toString());
        }
    }

    /** Ends the duty after its current read; never interrupts it. */
    void stop() {
        lock.lock();
        try {
            stopped = true;
            stopping.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** @return false once stopped */
    private boolean waitInterval() {
        lock.lock();
        try {
            long nanos = interval.toNanos();
            while (!stopped && nanos > 0) {
                nanos = stopping.awaitNanos(nanos);
            }
            return !stopped;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }
}
