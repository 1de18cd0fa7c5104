package io.lockstep.projection;

/**
 * An {@link EventSource} that can also serve one {@link Partition} of the log: only the events of streams in
 * the partition's buckets, in position order, each stream's events in version order.
 *
 * <p>A partition's source reads after a checkpoint like any source; its positions are the log's global
 * positions, so they increase strictly but leave gaps where other partitions' events are.
 */
public interface PartitionedEventSource extends EventSource {

    /**
     * @param partition which partition to serve; {@link Partition#WHOLE} serves every event
     * @return a source of the partition's events; thread-safe like this one
     */
    EventSource partition(Partition partition);
}
