package io.lockstep.postgres;

/**
 * Events a merged partition skips: those of buckets {@code [firstBucket, endBucket)} at positions up to
 * {@code appliedTo}, which an old partition applied before the merge.
 */
record PartitionSkip(int firstBucket, int endBucket, long appliedTo) {

    boolean covers(int bucket, long position) {
        return bucket >= firstBucket && bucket < endBucket && position <= appliedTo;
    }

    /** @return this skip limited to {@code [first, end)}, or null when they do not overlap */
    PartitionSkip clip(int first, int end) {
        int from = Math.max(firstBucket, first);
        int to = Math.min(endBucket, end);
        return from < to ? new PartitionSkip(from, to, appliedTo) : null;
    }
}
