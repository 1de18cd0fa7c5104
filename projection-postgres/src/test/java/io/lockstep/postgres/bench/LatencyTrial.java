package io.lockstep.postgres.bench;

import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.postgres.eventlog.ExpectedVersion;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionRunner;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;

/**
 * Measures append-to-projected latency at a steady rate: a started log and a started runner whose
 * projection records, per event id, when its handler applied the event; a pacing thread releases one
 * single-event append every {@code 1/rate} seconds to a small pool of appender threads, which record when
 * {@code append} returned. The latency of an event is its application time minus its append's return time.
 * Appends released during the warm-up are run but not counted.
 */
final class LatencyTrial {

    /** How long to wait for the runner to apply the last appends after the driver stopped. */
    private static final Duration SETTLE_TIMEOUT = Duration.ofMinutes(1);
    /** Streams the appends rotate over; an append never shares a stream with one in flight. */
    private static final int STREAMS = 1000;

    /**
     * The scenario.
     *
     * @param rate         appends per second, one event each
     * @param warmup       paced appends run before the measured ones
     * @param duration     the measured span of paced appends
     * @param appenders    threads the paced appends are handed to
     * @param idleWait     the runner's idle wait: long, so that wake-ups come from notifications
     * @param tickInterval the log's tick interval
     * @param prefill      events already in the log (sequenced, and behind the projection's checkpoint) before
     *                     the scenario starts: a log in service is not empty
     */
    record Options(
            int rate,
            Duration warmup,
            Duration duration,
            int appenders,
            Duration idleWait,
            Duration tickInterval,
            int prefill) {}

    /**
     * The nanoTimes of the measured appends, index by index.
     *
     * @param scheduled when the pacing thread meant the append to start
     * @param started   when an appender thread called {@code append}
     * @param returned  when {@code append} returned (committed)
     * @param projected when the projection's handler applied the event
     */
    record Samples(long[] scheduled, long[] started, long[] returned, long[] projected) {}

    private final TestDatabase db;
    private final Options options;

    LatencyTrial(TestDatabase db, Options options) {
        this.db = db;
        this.options = options;
    }

    Samples run(DataSource pool) throws Exception {
        ThroughputTrial.reset(db);
        int warm = (int) (options.rate() * options.warmup().toNanos() / 1_000_000_000L);
        int total = warm + (int) (options.rate() * options.duration().toNanos() / 1_000_000_000L);
        Map<UUID, Long> projected = new ConcurrentHashMap<>(total * 2);
        Projection<PostgresTransaction> projection = Projection.<PostgresTransaction>builder("append-latency")
                .on(
                        AppendWorkload.Deposited.class,
                        (event, envelope, tx) -> projected.putIfAbsent(event.id(), System.nanoTime()))
                .build();
        PostgresEventLog log = PostgresEventLog.builder(pool, AppendWorkload.TYPES)
                .tickInterval(options.tickInterval())
                .build();
        PostgresProjectionStore store = PostgresProjectionStore.builder(pool).build();
        prefill(log, store, projection.name());
        log.start();
        try (ProjectionRunner runner = ProjectionRunner.builder(projection, store, log)
                .idleWait(options.idleWait())
                .build()) {
            runner.start();
            Paced paced = drive(log, total);
            awaitProjected(projected, total);
            return samples(paced, projected, warm, total);
        } finally {
            log.close();
        }
    }

    /** Fills the log with {@link Options#prefill()} sequenced events and moves the checkpoint past them. */
    private void prefill(PostgresEventLog log, PostgresProjectionStore store, String projection) {
        if (options.prefill() == 0) {
            return;
        }
        db.execute(
                "INSERT INTO lockstep.events (stream_id, stream_version, event_type, payload)"
                        + " SELECT 'prefill-' || (g / 100), g % 100, 'Deposited', jsonb_build_object('id',"
                        + " gen_random_uuid(), 'account', 'prefill-' || (g / 100), 'amount', g, 'note', 'bench deposit')"
                        + " FROM generate_series(0, " + (options.prefill() - 1) + ") g",
                "ANALYZE lockstep.events");
        log.sequence();
        store.checkpoints().resetCheckpoint(projection, log.headPosition());
    }

    /** What the pacing thread and the appenders recorded, for every append, warm-up included. */
    private record Paced(UUID[] ids, long[] scheduled, long[] started, long[] returned) {}

    private Paced drive(PostgresEventLog log, int total) throws Exception {
        Paced paced = new Paced(new UUID[total], new long[total], new long[total], new long[total]);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        ExecutorService appenders = Executors.newFixedThreadPool(
                options.appenders(),
                Thread.ofPlatform().name("latency-appender-", 0).factory());
        long period = 1_000_000_000L / options.rate();
        long start = System.nanoTime() + period;
        try {
            for (int i = 0; i < total && failure.get() == null; i++) {
                long slot = start + i * period;
                for (long left = slot - System.nanoTime(); left > 0; left = slot - System.nanoTime()) {
                    LockSupport.parkNanos(left);
                }
                int index = i;
                paced.scheduled()[index] = slot;
                appenders.execute(() -> appendOne(log, paced, index, failure));
            }
        } finally {
            appenders.shutdown();
            if (!appenders.awaitTermination(SETTLE_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("appends still running " + SETTLE_TIMEOUT + " after the last one");
            }
        }
        if (failure.get() != null) {
            throw new IllegalStateException("an append failed: " + failure.get(), failure.get());
        }
        return paced;
    }

    private static void appendOne(PostgresEventLog log, Paced paced, int index, AtomicReference<Throwable> failure) {
        try {
            String stream = "latency-" + (index % STREAMS);
            AppendWorkload.Deposited event = AppendWorkload.event(stream, index);
            paced.ids()[index] = event.id();
            paced.started()[index] = System.nanoTime();
            log.append(stream, ExpectedVersion.any(), List.of(event));
            paced.returned()[index] = System.nanoTime();
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }

    private static void awaitProjected(Map<UUID, Long> projected, int total) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        while (projected.size() < total) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + projected.size() + " of " + total + " appended events were"
                        + " projected " + SETTLE_TIMEOUT + " after the last append");
            }
            Thread.sleep(10);
        }
    }

    private static Samples samples(Paced paced, Map<UUID, Long> projected, int from, int total) {
        int n = total - from;
        Samples samples = new Samples(new long[n], new long[n], new long[n], new long[n]);
        for (int i = 0; i < n; i++) {
            samples.scheduled()[i] = paced.scheduled()[from + i];
            samples.started()[i] = paced.started()[from + i];
            samples.returned()[i] = paced.returned()[from + i];
            samples.projected()[i] = projected.get(paced.ids()[from + i]);
        }
        return samples;
    }
}
