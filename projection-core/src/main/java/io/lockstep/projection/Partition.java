package io.lockstep.projection;

/**
 * One partition of a projection split into {@code count} partitions: the contiguous range of
 * {@link StreamBuckets buckets} {@code [index * 1024 / count, (index + 1) * 1024 / count)}. Its events are
 * those of the streams in its buckets; it has a checkpoint of its own.
 *
 * <p>Counts are powers of two from 1 to 1,024, so that doubling the count splits every partition in two
 * ({@link #children()}) and halving it merges pairs ({@link #parent()}), moving whole buckets only.
 *
 * @param index 0..count-1
 * @param count how many partitions the projection has: 1, 2, 4, ... 1024
 */
public record Partition(int index, int count) {

    /** The one partition of an unpartitioned projection. */
    public static final Partition WHOLE = new Partition(0, 1);

    /** Validates both numbers. */
    public Partition {
        if (count < 1 || count > StreamBuckets.COUNT || Integer.bitCount(count) != 1) {
            throw new IllegalArgumentException("partition count " + count + " makes no sense; use a power of two"
                    + " from 1 to " + StreamBuckets.COUNT + " (1, 2, 4, 8, ...), so partitions split and merge"
                    + " by whole buckets");
        }
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException("partition index " + index + " is outside 0.." + (count - 1)
                    + " of a projection with " + count + " partitions");
        }
    }

    /** @return the first bucket of this partition */
    public int firstBucket() {
        return index * (StreamBuckets.COUNT / count);
    }

    /** @return the bucket after this partition's last */
    public int endBucket() {
        return (index + 1) * (StreamBuckets.COUNT / count);
    }

    /** @return whether events of {@code bucket} belong to this partition */
    public boolean contains(int bucket) {
        return bucket >= firstBucket() && bucket < endBucket();
    }

    /** @return whether the events of {@code streamId} belong to this partition */
    public boolean containsStream(String streamId) {
        return contains(StreamBuckets.of(streamId));
    }

    /**
     * The name of this partition's checkpoint: the projection's own name for the {@link #WHOLE} partition (so
     * an unpartitioned projection keeps its checkpoint), else {@code name[index/count]}, e.g. {@code accounts[2/4]}.
     */
    public String checkpointName(String projection) {
        return count == 1 ? projection : projection + "[" + index + "/" + count + "]";
    }

    /** @return the two partitions of a projection with twice the count that share this one's buckets */
    public java.util.List<Partition> children() {
        if (count == StreamBuckets.COUNT) {
            throw new IllegalStateException("a partition of " + count + " holds one bucket and cannot split");
        }
        return java.util.List.of(new Partition(2 * index, 2 * count), new Partition(2 * index + 1, 2 * count));
    }

    /** @return the partition of a projection with half the count that holds this one's buckets */
    public Partition parent() {
        if (count == 1) {
            throw new IllegalStateException("the whole projection has no parent partition");
        }
        return new Partition(index / 2, count / 2);
    }

    /** @return all partitions of a projection with {@code count} partitions, in index order */
    public static java.util.List<Partition> all(int count) {
        new Partition(0, count); // validates the count
        return java.util.stream.IntStream.range(0, count)
                .mapToObj(i -> new Partition(i, count))
                .toList();
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
