package io.lockstep.postgres;

import io.lockstep.projection.Envelope;
import io.lockstep.projection.EventSource;
import io.lockstep.projection.StreamBuckets;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * A partition's events without those its {@link PartitionSkip skips} cover (applied by an old partition before
 * a merge). The skips are read again whenever the checkpoint asked about goes back (a replay deletes them, a
 * reset may make them matter again); once the checkpoint passes every skip, reads go straight through. A read
 * whose events are all skipped reads on, so the runner never stalls on them. Used by one runner's thread.
 */
final class SkippingSource implements EventSource {

    private final EventSource partition;
    private final Supplier<List<PartitionSkip>> load;
    private List<PartitionSkip> skips;
    private long lastAfter = Long.MAX_VALUE;
    /** After checkpoint {@code skippedAfter}, every event up to {@code skippedTo} is skipped. */
    private long skippedAfter = Long.MIN_VALUE;

    private long skippedTo = -1;

    SkippingSource(EventSource partition, Supplier<List<PartitionSkip>> load) {
        this.partition = partition;
        this.load = load;
    }

    @Override
    public synchronized List<Envelope> read(long afterPosition, int maxEvents) {
        if (afterPosition < lastAfter || skips == null) {
            skips = load.get();
        }
        lastAfter = afterPosition;
        if (skips.stream().allMatch(s -> s.appliedTo() <= afterPosition)) {
            return partition.read(afterPosition, maxEvents);
        }
        long from = skippedAfter == afterPosition ? Math.max(afterPosition, skippedTo) : afterPosition;
        while (true) {
            List<Envelope> batch = partition.read(from, maxEvents);
            if (batch.isEmpty()) {
                return batch;
            }
            List<Envelope> kept = batch.stream().filter(e -> !skipped(e)).toList();
            if (!kept.isEmpty()) {
                return kept;
            }
            from = batch.getLast().position();
            skippedAfter = afterPosition;
            skippedTo = from;
        }
    }

    private boolean skipped(Envelope envelope) {
        int bucket = StreamBuckets.of(envelope.streamId());
        return skips.stream().anyMatch(s -> s.covers(bucket, envelope.position()));
    }

    @Override
    public long headPosition() {
        return partition.headPosition();
    }

    @Override
    public boolean awaitEvents(long afterPosition, Duration timeout) throws InterruptedException {
        long after;
        synchronized (this) {
            after = skippedAfter == afterPosition ? Math.max(afterPosition, skippedTo) : afterPosition;
        }
        return partition.awaitEvents(after, timeout);
    }
}
