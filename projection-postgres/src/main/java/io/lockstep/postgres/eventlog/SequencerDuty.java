package io.lockstep.postgres.eventlog;

import io.lockstep.projection.internal.Backoff;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event log's background sequencing: ticks the sequencer once at start, then whenever it is woken (an
 * append committed in this process, or one elsewhere was notified) and every tick interval as a fallback,
 * and wakes local readers when a tick gave positions. A failed tick is retried with backoff (up to 5 s).
 * Runs on one thread; {@link #wake()}, {@link #awake()} and {@link #stop()} are thread-safe.
 */
final class SequencerDuty implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(SequencerDuty.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(50);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    /**
     * Shortest time between two ticks under a stream of appends: each tick then sequences every append of
     * that window at once, instead of one tick (a transaction) per append. Adds at most this much latency.
     * 10 ms rather than 5: a tick costs about 0.4 ms of CPU besides its events (its commit, the NOTIFY and
     * its delivery), which the appenders share two cores with; halving the ticks raised append throughput by
     * about 2% (up to 8% with one appender) for 3 ms more median append-to-projected latency.
     */
    static final Duration MIN_TICK_SPACING = Duration.ofMillis(10);

    private final Sequencer sequencer;
    private final WakeSignal appended = new WakeSignal();
    private final WakeSignal readers;
    private final Duration tickInterval;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean ticking;

    SequencerDuty(Sequencer sequencer, WakeSignal readers, Duration tickInterval) {
        this.sequencer = sequencer;
        this.readers = readers;
        this.tickInterval = tickInterval;
    }

    /** Asks for a tick soon (at most {@link #MIN_TICK_SPACING} after the previous one); never blocks. */
    void wake() {
        appended.wake();
    }

    /**
     * @return true from the start of {@link #run()} until {@link #stop()}, except after a failed tick until the
     *         next one succeeds: a wake-up is then enough for an append committed in this process to be
     *         sequenced, without a notification
     */
    boolean awake() {
        return ticking && stopped.getCount() > 0;
    }

    /** Stops the loop after the tick in progress, if any; idempotent. */
    void stop() {
        stopped.countDown();
        appended.wake();
    }

    @Override
    public void run() {
        Duration backoff = FIRST_BACKOFF;
        ticking = true;
        try {
            while (stopped.getCount() > 0) {
                long seen = appended.generation();
                long tickedAt = System.nanoTime();
                try {
                    if (sequencer.tick().sequenced() > 0) {
                        readers.wake();
                    }
                    ticking = true;
                    backoff = FIRST_BACKOFF;
                } catch (RuntimeException e) {
                    ticking = false;
                    LOG.warn("event log sequencer: {}; retrying in {}", e.toString(), backoff);
                    pause(backoff);
                    backoff = Backoff.doubled(backoff, MAX_BACKOFF);
                    continue;
                }
                if (appended.awaitAfter(seen, tickInterval)) {
                    // Appends that commit during the pause are sequenced by the coming tick too.
                    pause(Duration.ofNanos(MIN_TICK_SPACING.toNanos() - (System.nanoTime() - tickedAt)));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ticking = false;
        }
    }

    /** Waits up to {@code duration}, less when stopped. */
    private void pause(Duration duration) throws InterruptedException {
        if (duration.isPositive()) {
            stopped.await(duration.toNanos(), TimeUnit.NANOSECONDS);
        }
    }
}
