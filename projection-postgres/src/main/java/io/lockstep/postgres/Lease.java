package io.lockstep.postgres;

import io.lockstep.projection.CheckpointKey;
import java.util.Objects;

/**
 * A lease this node holds on one checkpoint (a partition or an unpartitioned projection): the checkpoint and
 * the epoch of the claim. Every claim increments the epoch, so a lease lost and claimed again is a new lease
 * and the runner of the old one is fenced.
 *
 * @param key   the checkpoint under lease
 * @param epoch the claim's epoch, >= 1
 */
record Lease(CheckpointKey key, long epoch) {
    Lease {
        Objects.requireNonNull(key, "key");
    }
}
