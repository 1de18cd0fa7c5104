package io.lockstep.postgres.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.ProjectionRunner;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Measures the PostgreSQL event log's appends against plain INSERTs into the same table, and the latency
 * from an append to its projection.
 *
 * <p><b>Throughput.</b> For each number of concurrent appenders and events per append, {@code lockstep}
 * appends through a started {@link PostgresEventLog} (sequencer running, as in production) and
 * {@code plain-insert} INSERTs the same events into {@code lockstep.events} in auto-committed multi-row
 * statements, without version check, NOTIFY or sequencer. Each appender thread writes to its own streams,
 * so the figures measure the log, not stream contention. Each trial empties the log, runs the appenders for
 * a warm-up and a measured window on a pool of appenders + 2 connections, then checks that every event is
 * stored (and, for {@code lockstep}, sequenced densely). Each round runs every contender once per
 * configuration, interleaved (the order rotates every round), so noise hits them alike; the table shows
 * medians over rounds and the median same-round ratio to {@code plain-insert}. Diagnostic contenders
 * ({@code --contenders}) add Lockstep's costs one at a time: {@code plain-insert-tx} (explicit transaction,
 * a second round trip), {@code plain-insert-notify} (and a NOTIFY), {@code plain-insert-cte} (the shape of
 * Lockstep's append statement, auto-committed, without NOTIFY), {@code lockstep-unsequenced} (Lockstep's
 * append, log not started), {@code plain-insert-sequenced} (the baseline's INSERTs, sequenced by a started log).
 *
 * <p><b>Latency.</b> A started log and a started runner (idleWait 1 s, so wake-ups come from the sequencer);
 * a pacing thread releases single-event appends at {@code --rate} per second; see {@link LatencyTrial}.
 *
 * <p>Run it from the repository root, against a PostgreSQL server whose user may create databases:
 * <pre>
 * export LOCKSTEP_TEST_JDBC_URL='jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres'
 * JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 mvn -q -o -pl projection-postgres \
 *     test-compile exec:exec@append-benchmark -Dbench.args="--seconds 5 --rounds 3"
 * </pre>
 * {@code -Dbench.args} takes the options below ({@code --help} lists them); {@code -Dbench.jvmArgs} the JVM's.
 */
@Command(
        name = "append-benchmark",
        mixinStandardHelpOptions = true,
        description = "Appends through Lockstep's event log and through plain INSERTs; prints events/s, ratios and"
                + " append-to-projected latency.")
public final class AppendBenchmark implements Callable<Integer> {

    private static final PrintStream OUT = System.out;
    /** Every contender, in the order a round starts with (rotated by one each round). */
    private static final List<String> ALL = List.of(
            LockstepAppends.LOCKSTEP,
            PlainInserts.PLAIN,
            LockstepAppends.UNSEQUENCED,
            PlainInserts.PLAIN_TX,
            PlainInserts.PLAIN_NOTIFY,
            PlainInserts.PLAIN_CTE,
            PlainInserts.PLAIN_SEQUENCED);

    @Spec
    CommandSpec spec;

    @Option(names = "--seconds", description = "measured seconds per throughput trial (default: ${DEFAULT-VALUE})")
    int seconds = 5;

    @Option(
            names = "--warmup-seconds",
            description = "unmeasured seconds before each trial's window" + " (default: ${DEFAULT-VALUE})")
    int warmupSeconds = 1;

    @Option(
            names = "--rounds",
            description =
                    "trials per contender and configuration; medians are reported" + " (default: ${DEFAULT-VALUE})")
    int rounds = 3;

    @Option(
            names = "--appenders",
            split = ",",
            defaultValue = "1,4,8",
            description = "concurrent appender counts (default: ${DEFAULT-VALUE})")
    List<Integer> appenders;

    @Option(
            names = "--batch",
            split = ",",
            defaultValue = "1,10",
            description = "events per append (default: ${DEFAULT-VALUE})")
    List<Integer> batch;

    @Option(
            names = "--contenders",
            split = ",",
            defaultValue = "lockstep,plain-insert",
            description = "throughput contenders, of lockstep,plain-insert,lockstep-unsequenced,plain-insert-tx,"
                    + "plain-insert-notify,plain-insert-cte,plain-insert-sequenced (default: ${DEFAULT-VALUE})")
    List<String> contenders;

    @Option(names = "--rate", description = "appends per second of the latency scenario (default: ${DEFAULT-VALUE})")
    int rate = 500;

    @Option(
            names = "--latency-seconds",
            description = "measured seconds of the latency scenario, 0 to skip it" + " (default: ${DEFAULT-VALUE})")
    int latencySeconds = 10;

    @Option(
            names = "--latency-warmup-seconds",
            description = "unmeasured paced seconds before them" + " (default: ${DEFAULT-VALUE})")
    int latencyWarmupSeconds = 2;

    @Option(
            names = "--latency-appenders",
            description = "threads the paced appends are handed to" + " (default: ${DEFAULT-VALUE})")
    int latencyAppenders = 4;

    @Option(
            names = "--latency-prefill",
            description = "events in the log before the latency scenario starts" + " (default: ${DEFAULT-VALUE})")
    int latencyPrefill = 0;

    @Option(names = "--tick-interval-ms", description = "the log's tick interval in ms (default: the log's, 100)")
    long tickIntervalMillis = PostgresEventLog.DEFAULT_TICK_INTERVAL.toMillis();

    @Option(names = "--no-throughput", description = "skip the throughput sweep")
    boolean noThroughput;

    @Option(
            names = "--jdbc-url",
            description = "admin URL of the PostgreSQL server (default: the"
                    + " LOCKSTEP_TEST_JDBC_URL environment variable, else a server TestDatabase starts)")
    String jdbcUrl;

    /** Runs the command and exits with its status. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new AppendBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        validate();
        if (jdbcUrl != null) {
            // TestServer reads the setting from system properties before the environment.
            System.setProperty("LOCKSTEP_TEST_JDBC_URL", jdbcUrl);
        }
        try (TestDatabase db = TestDatabase.create(2)) {
            printSetup(db);
            if (!noThroughput) {
                AppendMeasurements measurements = measureThroughput(db);
                OUT.println();
                new ThroughputTable(OUT).print(measurements);
            }
            if (latencySeconds > 0) {
                OUT.println();
                measureLatency(db);
            }
            OUT.println();
            printReproduction();
        }
        return 0;
    }

    private void validate() {
        require(seconds >= 1, "--seconds " + seconds + " makes no sense; use 1 or more (default 5)");
        require(warmupSeconds >= 0, "--warmup-seconds " + warmupSeconds + " makes no sense; use 0 or more (default 1)");
        require(rounds >= 1, "--rounds " + rounds + " makes no sense; use 1 or more (default 3)");
        require(
                !appenders.isEmpty() && appenders.stream().allMatch(n -> n >= 1 && n <= 64),
                "--appenders " + appenders + " makes no sense; use counts in 1..64 (default 1,4,8)");
        require(
                !batch.isEmpty() && batch.stream().allMatch(n -> n >= 1 && n <= 1000),
                "--batch " + batch + " makes no sense; use sizes in 1..1000 (default 1,10)");
        for (String name : contenders) {
            require(
                    ALL.contains(name),
                    "--contenders: unknown contender '" + name + "'; use any of " + String.join(",", ALL));
        }
        require(rate >= 1 && rate <= 100_000, "--rate " + rate + " makes no sense; use 1..100000 (default 500)");
        require(latencySeconds >= 0, "--latency-seconds " + latencySeconds + " makes no sense; use 0 or more");
        require(latencyWarmupSeconds >= 0, "--latency-warmup-seconds " + latencyWarmupSeconds + " makes no sense");
        require(
                latencyAppenders >= 1 && latencyAppenders <= 64,
                "--latency-appenders " + latencyAppenders + " makes no sense; use 1..64 (default 4)");
        require(latencyPrefill >= 0, "--latency-prefill " + latencyPrefill + " makes no sense; use 0 or more");
        require(
                tickIntervalMillis >= 10 && tickIntervalMillis <= 10_000,
                "--tick-interval-ms " + tickIntervalMillis + " makes no sense; use 10..10000 (default 100)");
    }

    private void require(boolean condition, String message) {
        if (!condition) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }

    private AppendMeasurements measureThroughput(TestDatabase db) throws Exception {
        List<AppendContender> all = contenders();
        Map<Integer, HikariDataSource> pools = new LinkedHashMap<>();
        try {
            for (int threads : appenders) {
                pools.computeIfAbsent(threads, n -> pool(db, n + 2, "appenders-" + n));
            }
            ThroughputTrial trial =
                    new ThroughputTrial(db, Duration.ofSeconds(warmupSeconds), Duration.ofSeconds(seconds));
            warmUp(trial, all, pools);
            AppendMeasurements measurements = new AppendMeasurements();
            for (int round = 0; round < rounds; round++) {
                for (int threads : appenders) {
                    for (int events : batch) {
                        for (int i = 0; i < all.size(); i++) {
                            AppendContender contender = all.get((i + round) % all.size());
                            ThroughputTrial.Result result = trial.run(contender, pools.get(threads), threads, events);
                            measurements.add(new AppendMeasurements.Config(threads, events), contender.name(), result);
                            printTrial("round " + (round + 1) + "/" + rounds, contender, threads, events, result);
                        }
                    }
                }
            }
            return measurements;
        } finally {
            pools.values().forEach(HikariDataSource::close);
        }
    }

    /** Runs every contender once at the largest configuration, untimed, so the JIT has compiled both paths. */
    private void warmUp(ThroughputTrial trial, List<AppendContender> all, Map<Integer, HikariDataSource> pools)
            throws Exception {
        int threads = appenders.stream().max(Integer::compare).orElseThrow();
        int events = batch.stream().max(Integer::compare).orElseThrow();
        for (AppendContender contender : all) {
            printTrial(
                    "warm-up (untimed)",
                    contender,
                    threads,
                    events,
                    trial.run(contender, pools.get(threads), threads, events));
        }
    }

    private List<AppendContender> contenders() {
        Duration tick = Duration.ofMillis(tickIntervalMillis);
        List<AppendContender> all = new ArrayList<>();
        for (String name : ALL) {
            if (contenders.contains(name)) {
                all.add(
                        switch (name) {
                            case LockstepAppends.LOCKSTEP -> new LockstepAppends(true, tick);
                            case LockstepAppends.UNSEQUENCED -> new LockstepAppends(false, tick);
                            default -> new PlainInserts(name);
                        });
            }
        }
        return all;
    }

    private static HikariDataSource pool(TestDatabase db, int size, String name) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.jdbcUrl());
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(size);
        config.setPoolName("bench-" + name);
        return new HikariDataSource(config);
    }

    private static void printTrial(
            String label, AppendContender contender, int threads, int events, ThroughputTrial.Result result) {
        OUT.printf(
                Locale.ROOT,
                "%-17s %-20s %2d thr x %3d ev/a  %,9.0f ev/s  %,8.0f appends/s  cli %6.1f us/ev"
                        + "  srv %6.1f us/ev  machine %3.0f%%  backlog %,6d drained in %5.0f ms  (verified)%n",
                label,
                contender.name(),
                threads,
                events,
                result.eventRate(),
                result.appendRate(),
                result.cpu().clientPerEvent(result.events()),
                result.cpu().serverPerEvent(result.events()),
                100 * result.cpu().machineBusy(),
                result.backlog(),
                result.drain().toNanos() / 1e6);
    }

    private void measureLatency(TestDatabase db) throws Exception {
        LatencyTrial.Options options = new LatencyTrial.Options(
                rate,
                Duration.ofSeconds(latencyWarmupSeconds),
                Duration.ofSeconds(latencySeconds),
                latencyAppenders,
                ProjectionRunner.DEFAULT_IDLE_WAIT,
                Duration.ofMillis(tickIntervalMillis),
                latencyPrefill);
        // The appenders, the LISTEN connection, a sequencer tick and the runner's read and transaction.
        try (HikariDataSource pool = pool(db, latencyAppenders + 4, "latency")) {
            LatencyTrial.Samples samples = new LatencyTrial(db, options).run(pool);
            new LatencyReport(OUT).print(options, samples);
        }
    }

    private void printSetup(TestDatabase db) throws SQLException {
        Runtime runtime = Runtime.getRuntime();
        OUT.printf(
                Locale.ROOT,
                "Lockstep append benchmark: appenders %s x events/append %s, %d s windows after %d s"
                        + " warm-up, %d round(s), contenders %s; event JSON %d bytes%n",
                appenders,
                batch,
                seconds,
                warmupSeconds,
                rounds,
                contenders,
                AppendWorkload.payloadBytes());
        OUT.printf(
                Locale.ROOT,
                "JVM: Java %s (%s), max heap %,d MiB, %d processors, args %s%n",
                Runtime.version(),
                System.getProperty("java.vm.name"),
                runtime.maxMemory() / (1024 * 1024),
                runtime.availableProcessors(),
                ManagementFactory.getRuntimeMXBean().getInputArguments());
        OUT.printf(
                Locale.ROOT,
                "database: %s (PostgreSQL %s; fsync %s, synchronous_commit %s, shared_buffers %s)%n",
                db.name(),
                setting(db, "server_version"),
                setting(db, "fsync"),
                setting(db, "synchronous_commit"),
                setting(db, "shared_buffers"));
    }

    private static String setting(TestDatabase db, String name) throws SQLException {
        try (var connection = db.dataSource().getConnection();
                var statement = connection.prepareStatement("SELECT current_setting(?)")) {
            statement.setString(1, name);
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getString(1);
            }
        }
    }

    private void printReproduction() {
        String args = "--seconds " + seconds + " --warmup-seconds " + warmupSeconds + " --rounds " + rounds
                + " --appenders " + joined(appenders) + " --batch " + joined(batch) + " --contenders "
                + String.join(",", contenders) + " --rate " + rate + " --latency-seconds " + latencySeconds
                + " --latency-warmup-seconds " + latencyWarmupSeconds + " --latency-appenders " + latencyAppenders
                + " --latency-prefill " + latencyPrefill
                + " --tick-interval-ms " + tickIntervalMillis + (noThroughput ? " --no-throughput" : "")
                + (jdbcUrl == null ? "" : " --jdbc-url '" + masked(jdbcUrl) + "'");
        String url = System.getenv("LOCKSTEP_TEST_JDBC_URL");
        OUT.println("reproduce:");
        OUT.println("  " + (url == null ? "" : "LOCKSTEP_TEST_JDBC_URL='" + masked(url) + "' ")
                + "JAVA_HOME=" + System.getProperty("java.home") + " mvn -q -o -pl projection-postgres test-compile"
                + " exec:exec@append-benchmark -Dbench.jvmArgs=\""
                + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()) + "\" -Dbench.args=\""
                + args + "\"");
    }

    private static String joined(List<Integer> values) {
        return values.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private static String masked(String url) {
        return url.replaceAll("password=[^&]*", "password=***");
    }
}
