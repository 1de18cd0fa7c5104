package io.lockstep.projection;

import java.time.Instant;

/** Events per second over the last minute, in one-second buckets. Not thread-safe: guarded by its owner. */
final class RateWindow {

    private static final int SECONDS = 60;

    private final long[] counts = new long[SECONDS];
    private final long[] seconds = new long[SECONDS];

    void add(Instant at, long events) {
        long second = at.getEpochSecond();
        int slot = (int) Math.floorMod(second, (long) SECONDS);
        if (seconds[slot] != second) {
            seconds[slot] = second;
            counts[slot] = 0;
        }
        counts[slot] += events;
    }

    /** @return the average rate over the minute before {@code now} */
    double perSecond(Instant now) {
        long current = now.getEpochSecond();
        long total = 0;
        for (int i = 0; i < SECONDS; i++) {
            if (current - seconds[i] < SECONDS && seconds[i] <= current) {
                total += counts[i];
            }
        }
        return total / (double) SECONDS;
    }
}
