package io.lockstep.postgres.eventlog;

import io.lockstep.projection.internal.Backoff;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Wakes threads waiting for something to happen (new positions for readers, new appends for the
 * sequencer). A generation counter closes the race between check and wait: read {@link #generation()},
 * check, then {@link #awaitAfter(long, Duration)}; a {@link #wake()} in between is not lost. {@link #wake()}
 * takes no lock while nobody waits (every append calls it). Thread-safe.
 */
final class WakeSignal {

    private final AtomicLong generation = new AtomicLong();
    private final AtomicInteger waiters = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    long generation() {
        return generation.get();
    }

    /** Moves to the next generation and wakes every waiter. */
    void wake() {
        generation.incrementAndGet();
        // A waiter registers before it checks the generation, and we move the generation before we check for
        // waiters: either it sees the new generation, or we see it and signal under the lock it waits with.
        if (waiters.get() > 0) {
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** @return true when the generation moved past {@code seen} before {@code timeout} */
    boolean awaitAfter(long seen, Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        waiters.incrementAndGet();
        lock.lock();
        try {
            while (generation.get() == seen) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = changed.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
            waiters.decrementAndGet();
        }
    }

    /**
     * Checks {@code check} until it answers, waking on {@link #wake()} while {@code notified} says wake-ups
     * arrive, and otherwise polling with backoff from {@code firstPoll} up to {@code maxPoll}.
     *
     * @return what {@code check} answered, or empty when {@code timeout} passed first
     */
    <T> Optional<T> awaitUntil(
            Supplier<Optional<T>> check,
            BooleanSupplier notified,
            Duration timeout,
            Duration firstPoll,
            Duration maxPoll)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Duration poll = firstPoll;
        while (true) {
            long seen = generation();
            Optional<T> answer = check.get();
            if (answer.isPresent()) {
                return answer;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            awaitAfter(seen, Duration.ofNanos(notified.getAsBoolean() ? left : Math.min(left, poll.toNanos())));
            poll = Backoff.doubled(poll, maxPoll);
        }
    }
}
