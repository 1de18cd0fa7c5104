package io.lockstep.projection;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Read-your-writes for one projection: futures that complete once the <em>stored</em> checkpoint is at or past a
 * position, whoever moved it (this process's runner or another's). Each wait runs on a virtual thread of its
 * own: it is woken by this runner's commits ({@link #checkpointMoved()}) and confirms with the store once the
 * runner has passed the position; when the runner is elsewhere it reads the store at most every
 * {@link #STORE_POLL}. A store that cannot be reached ends the wait at once with its failure: a caller serving a
 * request answers that the store is unavailable rather than waiting out an outage. Thread-safe.
 */
final class CheckpointWaiters {

    /** The longest a wait goes without reading the stored checkpoint. */
    static final Duration STORE_POLL = Duration.ofMillis(100);

    /** The longest timeout a wait accepts. */
    static final Duration MAX_TIMEOUT = Duration.ofHours(1);

    private final CheckpointKey key;
    private final ProjectionStore<?> store;
    private final LongSupplier localCheckpoint;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition moved = lock.newCondition();
    private long moves; // guarded by lock: counts checkpointMoved() calls, so no wake-up is missed

    CheckpointWaiters(CheckpointKey key, ProjectionStore<?> store, LongSupplier localCheckpoint) {
        this.key = key;
        this.store = store;
        this.localCheckpoint = localCheckpoint;
    }

    /** Wakes every wait: this process's runner committed a batch or was reset. */
    void checkpointMoved() {
        lock.lock();
        try {
            moves++;
            moved.signalAll();
        } finally {
            lock.unlock();
        }
    }

    CompletableFuture<Long> await(long position, Duration timeout) {
        io.lockstep.projection.internal.Arguments.requirePosition(position, "position");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("timeout " + timeout + " makes no sense; use 0s.." + MAX_TIMEOUT);
        }
        CompletableFuture<Long> reached = new CompletableFuture<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        Thread.ofVirtual()
                .name("lockstep-await-" + key.projection())
                .start(() -> waitFor(position, deadline, timeout, reached));
        return reached;
    }

    private void waitFor(long position, long deadline, Duration timeout, CompletableFuture<Long> reached) {
        long lastStoreRead = System.nanoTime() - STORE_POLL.toNanos();
        long stored = -1;
        try {
            while (true) {
                long seen = moves();
                boolean storeDue = System.nanoTime() - lastStoreRead >= STORE_POLL.toNanos();
                if (localCheckpoint.getAsLong() >= position || storeDue) {
                    lastStoreRead = System.nanoTime();
                    stored = store.readCheckpoint(key).position(); // a store away ends the wait below
                    if (stored >= position) {
                        reached.complete(stored);
                        return;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    reached.completeExceptionally(new CheckpointTimeoutException(key, position, stored, timeout));
                    return;
                }
                sleepUntilMoved(seen, Math.min(left, STORE_POLL.toNanos()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reached.completeExceptionally(e);
        } catch (RuntimeException | Error e) {
            reached.completeExceptionally(e);
        }
    }

    private long moves() {
        lock.lock();
        try {
            return moves;
        } finally {
            lock.unlock();
        }
    }

    /** Sleeps up to {@code nanos}, or not at all when the checkpoint moved since {@code seen} was read. */
    private void sleepUntilMoved(long seen, long nanos) throws InterruptedException {
        lock.lock();
        try {
            long left = nanos;
            while (moves == seen && left > 0) {
                left = moved.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }
}
