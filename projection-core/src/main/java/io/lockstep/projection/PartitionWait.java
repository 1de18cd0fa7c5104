package io.lockstep.projection;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Read-your-writes for a partitioned projection, wherever its partitions run: a wait that completes once every
 * partition has processed a position. A partition has when its stored checkpoint is at or past the position, or
 * when its first event after its checkpoint lies beyond the position (a partition's checkpoint moves only over
 * its own events, so it may stay below a position that belongs to another partition). Positions are dense and
 * assigned in commit order, so once a client holds a position every event up to it is readable. Reads the store
 * and the source every {@link #POLL} on a virtual thread of its own; never blocks the caller.
 */
final class PartitionWait {

    /** How often a wait reads the partitions' checkpoints again. */
    static final Duration POLL = Duration.ofMillis(20);

    private final PartitionSet<?> partitions;
    private final ProjectionStore<?> store;
    private final PartitionedEventSource source;

    PartitionWait(PartitionSet<?> partitions, ProjectionStore<?> store, PartitionedEventSource source) {
        this.partitions = partitions;
        this.store = store;
        this.source = Objects.requireNonNull(source, "source");
    }

    CompletableFuture<Long> await(long position, Duration timeout) {
        io.lockstep.projection.internal.Arguments.requirePosition(position, "position");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.compareTo(CheckpointWaiters.MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("timeout " + timeout + " makes no sense; use 0s.."
                    + CheckpointWaiters.MAX_TIMEOUT);
        }
        CompletableFuture<Long> reached = new CompletableFuture<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        Thread.ofVirtual().name("lockstep-await-" + partitions.projection().name())
                .start(() -> waitFor(position, deadline, timeout, reached));
        return reached;
    }

    private void waitFor(long position, long deadline, Duration timeout, CompletableFuture<Long> reached) {
        List<Partition> behind = new ArrayList<>(partitions.partitions());
        long checkpoint = -1;
        RuntimeException lastFailure = null;
        try {
            while (true) {
                try {
                    while (!behind.isEmpty()) {
                        checkpoint = store.readCheckpoint(partitions.key(behind.getFirst())).position();
                        if (!processed(behind.getFirst(), checkpoint, position)) {
                            break;
                        }
                        behind.removeFirst();
                    }
                    lastFailure = null;
                } catch (TransientStoreException e) {
                    lastFailure = e; // the store is away for now: keep waiting until the deadline
                }
                if (behind.isEmpty()) {
                    reached.complete(position);
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    CheckpointTimeoutException timedOut = new CheckpointTimeoutException(
                            partitions.key(behind.getFirst()), position, checkpoint, timeout);
                    if (lastFailure != null) {
                        timedOut.addSuppressed(lastFailure);
                    }
                    reached.completeExceptionally(timedOut);
                    return;
                }
                TimeUnit.NANOSECONDS.sleep(Math.min(left, POLL.toNanos()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reached.completeExceptionally(e);
        } catch (RuntimeException | Error e) {
            reached.completeExceptionally(e);
        }
    }

    /** @return true when {@code partition}, at {@code checkpoint}, has processed every event up to {@code position} */
    private boolean processed(Partition partition, long checkpoint, long position) {
        if (checkpoint >= position) {
            return true;
        }
        List<Envelope> next = source.partition(partition).read(checkpoint, 1);
        return next.isEmpty() || next.getFirst().position() > position;
    }
}
