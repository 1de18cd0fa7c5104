package io.lockstep.projection;

import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link ProjectionHost} knows of one partition of a projection: who holds its lease, its stored checkpoint, and, when
 * this node runs it, the runner's live status.
 *
 * @param projection the projection's name
 * @param partition  the partition
 * @param owner      the node holding its lease, empty when none does (free or expired)
 * @param checkpoint the stored checkpoint: the position of the last event of this partition it committed
 * @param head       the log's head position when read
 * @param lagBound   events of the whole log after this partition's checkpoint (all of them for a checkpoint of
 *                   -1, counted from the log's first position): an upper bound of the partition's own lag (its
 *                   checkpoint only moves with its own events, so a partition whose streams are quiet shows the
 *                   events of other partitions too)
 * @param paused     whether the partition is paused
 * @param local      the runner's status when this node runs the partition
 */
public record PartitionStatus(
        String projection,
        Partition partition,
        Optional<String> owner,
        long checkpoint,
        long head,
        long lagBound,
        boolean paused,
        Optional<ProjectionStatus> local) {

    /** Checks that nothing is null. */
    public PartitionStatus {
        Objects.requireNonNull(projection, "projection");
        Objects.requireNonNull(partition, "partition");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(local, "local");
        if (lagBound < 0) {
            throw new IllegalArgumentException("lagBound " + lagBound + " makes no sense; it counts events, >= 0");
        }
    }
}
