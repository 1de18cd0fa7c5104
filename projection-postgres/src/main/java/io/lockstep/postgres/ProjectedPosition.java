package io.lockstep.postgres;

import io.lockstep.projection.CheckpointKey;
import io.lockstep.projection.Envelope;
import io.lockstep.projection.EventSource;
import io.lockstep.projection.Partition;
import io.lockstep.projection.PartitionSet;
import io.lockstep.projection.PartitionedEventSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How far a partitioned projection has got as a whole: the position up to which every partition has applied
 * all of its own events. A partition's checkpoint only moves with its own events, so the checkpoints alone do
 * not say it: a quiet partition's checkpoint stays behind events that are not its own. This reads, for each
 * partition, its first event after its stored checkpoint (without those it skips after a merge) through the
 * partition's own source, which remembers the ranges it found empty, so a repeated question reads only the log's
 * newest positions. The answer may lag (a batch committing meanwhile), never lead. Thread-safe.
 */
final class ProjectedPosition {

    /** Events read per partition and question; a window of the log grows from this times the partition count. */
    private static final int PROBE = 16;

    private final PostgresProjectionStore store;
    private final PartitionedEventSource source;
    private final PartitionHandover handover;
    private final Map<CheckpointKey, SkippingSource> sources = new ConcurrentHashMap<>();

    ProjectedPosition(PostgresProjectionStore store, PartitionedEventSource source, PartitionHandover handover) {
        this.store = store;
        this.source = source;
        this.handover = handover;
    }

    /**
     * @return the log's head when every partition of {@code set} has caught up, else the position before the first
     *         event some partition has still to apply
     */
    long of(PartitionSet<PostgresTransaction> set) {
        long head = source.headPosition(); // first: positions up to it are final, so none can appear behind it
        long through = head;
        for (Partition partition : set.partitions()) {
            CheckpointKey key = set.key(partition);
            long checkpoint = store.readCheckpoint(key).position();
            if (checkpoint >= through) {
                continue;
            }
            List<Envelope> next =
                    sources.computeIfAbsent(key, k -> sourceOf(k, partition)).read(checkpoint, PROBE);
            if (!next.isEmpty()) {
                through = Math.min(through, next.getFirst().position() - 1);
            }
        }
        return through;
    }

    private SkippingSource sourceOf(CheckpointKey key, Partition partition) {
        EventSource events = source.partition(partition);
        return new SkippingSource(events, () -> handover.skips(key.tenantId(), key.projection()));
    }
}
