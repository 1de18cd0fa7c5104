package io.lockstep.projection;

import io.lockstep.projection.internal.Arguments;
import io.lockstep.projection.internal.Backoff;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Read-your-writes for a projection whose progress only a question to the store can tell (a partitioned one,
 * whose partitions may run on other nodes): a wait that asks how far the projection got as a whole, first after
 * {@link #POLL} and then less often (up to every {@link #MAX_POLL}), on a virtual thread of its own, until the answer reaches a position or the time runs out. The
 * caller is never blocked. A store that cannot be reached ends the wait at once with its failure: a caller serving
 * a request answers that the store is unavailable rather than waiting out an outage.
 */
final class ProjectedWait {

    /** How soon a wait asks again at first; the pause doubles up to {@link #MAX_POLL}. */
    static final Duration POLL = Duration.ofMillis(10);

    /** The longest pause between two questions. */
    static final Duration MAX_POLL = Duration.ofMillis(100);

    private ProjectedWait() {}

    /**
     * @param key               names the projection in a timeout
     * @param projectedThrough  how far the projection got as a whole; blocking; what it throws (a
     *                          {@link TransientStoreException} while the store is away) ends the wait
     * @throws IllegalArgumentException when {@code position < -1} or the timeout is negative or over an hour
     */
    static CompletableFuture<Long> await(
            CheckpointKey key, LongSupplier projectedThrough, long position, Duration timeout) {
        Arguments.requirePosition(position, "position");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.compareTo(CheckpointWaiters.MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException(
                    "timeout " + timeout + " makes no sense; use 0s.." + CheckpointWaiters.MAX_TIMEOUT);
        }
        CompletableFuture<Long> reached = new CompletableFuture<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        Thread.ofVirtual()
                .name("lockstep-await-" + key.projection())
                .start(() -> waitFor(key, projectedThrough, position, deadline, timeout, reached));
        return reached;
    }

    private static void waitFor(
            CheckpointKey key,
            LongSupplier projectedThrough,
            long position,
            long deadline,
            Duration timeout,
            CompletableFuture<Long> reached) {
        Duration poll = POLL;
        try {
            while (true) {
                long through = projectedThrough.getAsLong();
                if (through >= position) {
                    reached.complete(through);
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    reached.completeExceptionally(new CheckpointTimeoutException(key, position, through, timeout));
                    return;
                }
                TimeUnit.NANOSECONDS.sleep(Math.min(left, poll.toNanos()));
                poll = Backoff.doubled(poll, MAX_POLL);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reached.completeExceptionally(e);
        } catch (RuntimeException | Error e) {
            reached.completeExceptionally(e); // a store that cannot be reached ends the wait at once
        }
    }
}
