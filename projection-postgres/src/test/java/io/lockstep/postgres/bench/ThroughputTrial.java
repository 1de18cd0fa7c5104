package io.lockstep.postgres.bench;

import io.lockstep.postgres.testing.TestDatabase;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Runs one contender once at one configuration: empties the log, opens the contender's session (for
 * {@code lockstep}: starts the log, so the sequencer runs), runs the appenders for the warm-up and the
 * measured window, then waits until the sequencer has given every event a position and checks the tables.
 * Only appends completed inside the window count; the drain after it is reported, not timed.
 */
final class ThroughputTrial {

    /** How long to wait for the sequencer to catch up after the window before calling the trial failed. */
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(2);

    /**
     * What one trial measured.
     *
     * @param appends appends completed inside the window
     * @param events  events of those appends
     * @param window  the measured window
     * @param cpu     CPU time spent inside the window
     * @param backlog events committed but not yet sequenced when the appenders stopped
     * @param drain   how long the sequencer then took to sequence them
     */
    record Result(long appends, long events, Duration window, CpuMeter.Usage cpu, long backlog, Duration drain) {

        double eventRate() {
            return events * 1e9 / window.toNanos();
        }

        double appendRate() {
            return appends * 1e9 / window.toNanos();
        }
    }

    private final TestDatabase db;
    private final Duration warmup;
    private final Duration window;

    ThroughputTrial(TestDatabase db, Duration warmup, Duration window) {
        this.db = db;
        this.warmup = warmup;
        this.window = window;
    }

    /**
     * Runs {@code contender} with {@code appenders} threads on {@code pool}.
     *
     * @throws IllegalStateException when the tables do not hold exactly the appended events, each with a
     *                               dense position when the contender sequences: a fast wrong answer is no result
     */
    Result run(AppendContender contender, DataSource pool, int appenders, int eventsPerAppend) throws Exception {
        reset(db);
        CpuMeter meter = new CpuMeter(db.dataSource());
        try (AppendContender.Session session = contender.open(pool)) {
            AppendLoad load = new AppendLoad(session, appenders, eventsPerAppend, warmup, window);
            load.start();
            load.awaitWindowStart();
            CpuMeter.Sample from = meter.start();
            load.awaitWindowEnd();
            CpuMeter.Sample to = meter.sample();
            load.join();
            long backlog = session.backlog();
            long drainStart = System.nanoTime();
            awaitDrained(session);
            Duration drain = Duration.ofNanos(System.nanoTime() - drainStart);
            verify(contender, session.sequences(), load.totalAppends() * eventsPerAppend);
            long appends = load.countedAppends();
            return new Result(appends, appends * eventsPerAppend, window, CpuMeter.between(from, to), backlog, drain);
        }
    }

    /** Empties the log and moves the sequencer's snapshot to now, as after a fresh migration. */
    static void reset(TestDatabase db) {
        db.executeRemovingEvents(
                "TRUNCATE lockstep.event_log, lockstep.events, lockstep.checkpoints," + " lockstep.dead_letters",
                "UPDATE lockstep.sequencer_state SET snapshot = pg_current_snapshot(), ticked_at = now()");
    }

    private static void awaitDrained(AppendContender.Session session) throws InterruptedException {
        long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
        while (session.backlog() > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the sequencer left " + session.backlog() + " events without a"
                        + " position " + DRAIN_TIMEOUT + " after the appenders stopped");
            }
            Thread.sleep(10);
        }
    }

    private void verify(AppendContender contender, boolean sequenced, long expected) {
        long stored = db.queryLong("SELECT count(*) FROM lockstep.events");
        if (stored != expected) {
            throw new IllegalStateException(
                    contender.name() + " reported " + expected + " appended events but " + stored + " are stored");
        }
        if (!sequenced) {
            return;
        }
        long positions = db.queryLong("SELECT count(*) FROM lockstep.event_log");
        long head = db.queryLong("SELECT coalesce(max(position), 0) FROM lockstep.event_log");
        if (positions != expected || head != expected) {
            throw new IllegalStateException(contender.name() + ": " + expected + " events stored but " + positions
                    + " sequenced up to position " + head + "; positions must be dense and complete");
        }
    }
}
