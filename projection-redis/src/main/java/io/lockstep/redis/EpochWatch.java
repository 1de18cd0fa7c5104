package io.lockstep.redis;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that Redis lost the store's data: the epoch key, written with the first checkpoint, vanished or
 * changed since this store last read it (a restart without persistence, FLUSHALL, a failover to an empty
 * replica). Checkpoints went with it, so every projection of the store starts again from -1 on its own;
 * this class says so in the log and counts it. Thread-safe.
 */
final class EpochWatch {

    private static final Logger LOG = LoggerFactory.getLogger(EpochWatch.class);

    private final String storeName;
    private final AtomicReference<String> last = new AtomicReference<>();
    private final AtomicLong losses = new AtomicLong();

    EpochWatch(String storeName) {
        this.storeName = storeName;
    }

    /** Records the epoch just read ({@code null}: no epoch key). */
    void seen(String epoch) {
        String before = last.getAndSet(epoch);
        if (before != null && !Objects.equals(before, epoch)) {
            losses.incrementAndGet();
            LOG.warn(
                    "{}: Redis lost Lockstep's data (epoch {} is {}): it restarted without persistence, was"
                            + " flushed or failed over to an empty replica. The read models went with their checkpoints;"
                            + " every projection of this store rebuilds from -1",
                    storeName,
                    before,
                    epoch == null ? "gone" : "now " + epoch);
        }
    }

    /** @return how often this store noticed that Redis lost its data */
    long losses() {
        return losses.get();
    }
}
