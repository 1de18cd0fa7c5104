package io.lockstep.postgres;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Wakes threads waiting for something to happen (new positions for readers, new appends for the
 * sequencer). A generation counter closes the race between check and wait: read {@link #generation()},
 * check, then {@link #awaitAfter(long, Duration)}; a {@link #wake()} in between is not lost. Thread-safe.
 */
final class WakeSignal {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long generation;

    long generation() {
        lock.lock();
        try {
            return generation;
        } finally {
            lock.unlock();
        }
    }

    /** Moves to the next generation and wakes every waiter. */
    void wake() {
        lock.lock();
        try {
            generation++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** @return true when the generation moved past {@code seen} before {@code timeout} */
    boolean awaitAfter(long seen, Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (generation == seen) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = changed.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }
}
