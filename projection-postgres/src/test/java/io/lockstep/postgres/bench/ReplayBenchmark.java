package io.lockstep.postgres.bench;

import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.testing.TableEventSource;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.EventSource;
import io.lockstep.projection.ProjectionRunner;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Measures what Lockstep costs on the workload users have: seeds {@link LiveWorkload} (accounts opened,
 * credited, debited and closed in the order a live system writes the events) once, then replays it
 * through Lockstep projections and through hand-written JDBC baselines, on the same data and database in
 * the same run. Lockstep: {@code lockstep-per-event} (jOOQ DSL built per event), {@code lockstep-templated}
 * (jOOQ statements rendered once, {@code StatementTemplate}), {@code lockstep-jdbc} (plain JDBC on
 * {@code tx.connection()}), {@code lockstep-folded} (a batch handler folding in memory) and
 * {@code lockstep-templated-one-update} (the shape advice: one UPDATE for credits and debits). Baselines:
 * {@code jdbc-per-event} (one {@code executeUpdate} per event), {@code jdbc-batch} (statements grouped per
 * kind, one {@code executeBatch} each), {@code jdbc-fold} (fold, then one upsert per account in one
 * {@code executeBatch}); {@link PipelineOptions} adds diagnostics. Every contender reads through the same
 * {@link TableEventSource} and commits its checkpoint in the transaction of its writes, one transaction per
 * batch. Each round runs every contender once, interleaved (the order rotates by one each round), so
 * machine noise hits them alike; the table shows the median over rounds and the median of same-round
 * ratios, and every replay is checked against the generator's own fold of the events (outside the timing).
 *
 * <p>Run it from the repository root, against a PostgreSQL server whose user may create databases:
 * <pre>
 * export LOCKSTEP_TEST_JDBC_URL='jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres'
 * mvn -q -pl projection-postgres test-compile exec:exec@replay-benchmark -Dbench.args="--rounds 3"
 * </pre>
 * {@code -Dbench.args} takes the options below ({@code --help} lists them; {@code --quick} for a short run);
 * {@code -Dbench.jvmArgs} the JVM's (default {@code -Xmx256m}: memory must stay bounded by the batch size,
 * also at 1,000,000 events). Without {@code LOCKSTEP_TEST_JDBC_URL} or {@code --jdbc-url},
 * {@link TestDatabase} starts a server of its own. Examples: {@code --batch-sizes 100,250,500,1000,2000,5000
 * --rounds 2} also measures {@code lockstep-per-event} at each batch size; {@code --events 1000000
 * --accounts 50000 --contenders lockstep-per-event,lockstep-folded --rounds 1} checks a long replay in the
 * default heap.
 */
@Command(
        name = "replay-benchmark",
        mixinStandardHelpOptions = true,
        description = "Replays one live accounts workload through Lockstep and hand-written JDBC baselines;"
                + " prints events/s and same-round ratios.")
public final class ReplayBenchmark implements Callable<Integer> {

    private static final PrintStream OUT = System.out;
    private static final int QUICK_EVENTS = 40_000;
    private static final int QUICK_ACCOUNTS = 2_000;
    private static final int QUICK_WARMUP = 10_000;

    @Spec
    CommandSpec spec;

    @Option(names = "--events", description = "events in the workload (default: ${DEFAULT-VALUE})")
    int events = 200_000;

    @Option(names = "--accounts", description = "accounts the events touch (default: ${DEFAULT-VALUE})")
    int accounts = 10_000;

    @Option(names = "--batch-size", description = "events per transaction, all contenders (default: ${DEFAULT-VALUE})")
    int batchSize = ProjectionRunner.DEFAULT_BATCH_SIZE;

    @Option(
            names = "--rounds",
            description = "replays per contender; the median is reported (default: ${DEFAULT-VALUE})")
    int rounds = 3;

    @Option(
            names = "--warmup-events",
            description =
                    "events of the untimed warm-up replay per contender," + " 0 for none (default: ${DEFAULT-VALUE})")
    int warmupEvents = 20_000;

    @Option(
            names = "--contenders",
            split = ",",
            description = "contenders to run (default: jdbc-per-event,"
                    + "jdbc-batch,jdbc-fold,lockstep-per-event,lockstep-templated,lockstep-folded,lockstep-jdbc,"
                    + "lockstep-templated-one-update); diagnostics: jdbc-runs,jdbc-inline-batch,jdbc-multi-statement,"
                    + "jdbc-pipeline")
    List<String> contenders;

    @Option(
            names = "--batch-sizes",
            split = ",",
            description = "also measure lockstep-per-event at each of" + " these batch sizes, e.g. 100,500,1000")
    List<Integer> batchSizes;

    @Option(
            names = "--quick",
            description = "a short run: 40,000 events over 2,000 accounts, one round"
                    + " (overrides --events, --accounts, --rounds, --warmup-events)")
    boolean quick;

    @Option(
            names = "--jdbc-url",
            description = "admin URL of the PostgreSQL server (default: the"
                    + " LOCKSTEP_TEST_JDBC_URL environment variable, else a server TestDatabase starts)")
    String jdbcUrl;

    /** Runs the command and exits with its status. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new ReplayBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (quick) {
            events = QUICK_EVENTS;
            accounts = QUICK_ACCOUNTS;
            rounds = 1;
            warmupEvents = QUICK_WARMUP;
        }
        List<String> names = contenders == null ? Contenders.DEFAULT : contenders;
        List<Integer> sweep =
                batchSizes == null ? List.of() : batchSizes.stream().distinct().toList();
        validate(names, sweep);
        if (jdbcUrl != null) {
            // TestServer reads the setting from system properties before the environment.
            System.setProperty("LOCKSTEP_TEST_JDBC_URL", jdbcUrl);
        }
        try (TestDatabase db = TestDatabase.create()) {
            long seedStart = System.nanoTime();
            LiveWorkload.Seeded seeded = LiveWorkload.seed(db, accounts, events);
            printSetup(db, seeded, Duration.ofNanos(System.nanoTime() - seedStart));
            PostgresProjectionStore store =
                    PostgresProjectionStore.builder(db.dataSource()).build();
            EventSource source = new TableEventSource(db.dataSource(), LiveWorkload.TYPES);
            List<Contender> all = Contenders.create(names, batchSize, sweep, db.dataSource(), store);
            ReplayTrial trial = new ReplayTrial(db, store.checkpoints());
            warmUp(trial, all, source);
            Measurements measurements = measure(trial, all, source, seeded.head(), seeded.expected());
            OUT.println();
            new ResultTable(OUT).print(all, measurements);
            OUT.println();
            printReproduction();
        }
        return 0;
    }

    private void validate(List<String> names, List<Integer> sweep) {
        require(events >= 1, "--events " + events + " makes no sense; use 1 or more (default 200000)");
        require(
                accounts >= 1 && accounts <= events,
                "--accounts " + accounts + " makes no sense; use 1..--events (" + events + "), default 10000");
        require(rounds >= 1, "--rounds " + rounds + " makes no sense; use 1 or more (default 3)");
        require(warmupEvents >= 0, "--warmup-events " + warmupEvents + " makes no sense; use 0 or more");
        for (int size : concat(batchSize, sweep)) {
            require(
                    size >= 1 && size <= ProjectionRunner.MAX_BATCH_SIZE,
                    "batch size " + size + " makes no sense;"
                            + " use 1.." + ProjectionRunner.MAX_BATCH_SIZE + " (default "
                            + ProjectionRunner.DEFAULT_BATCH_SIZE
                            + ")");
        }
        for (String name : names) {
            require(
                    Contenders.ALL.contains(name),
                    "--contenders: unknown contender '" + name + "'; use any of " + String.join(",", Contenders.ALL));
        }
        require(!names.isEmpty() || !sweep.isEmpty(), "nothing to measure: --contenders is empty");
    }

    private static List<Integer> concat(int first, List<Integer> rest) {
        return Stream.concat(Stream.of(first), rest.stream()).toList();
    }

    private void require(boolean condition, String message) {
        if (!condition) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }

    private void warmUp(ReplayTrial trial, List<Contender> all, EventSource source) throws Exception {
        long last = Math.min(warmupEvents, events) - 1L;
        if (last < 0) {
            return;
        }
        Map<String, LiveWorkload.Row> expected = LiveWorkload.expectedAfter(accounts, events, last);
        for (Contender contender : all) {
            trial.run(contender, new PrefixEventSource(source, last), last, expected);
        }
        OUT.printf(
                Locale.ROOT, "warm-up: each contender replayed the first %,d events (untimed, verified)%n", last + 1);
    }

    private Measurements measure(
            ReplayTrial trial,
            List<Contender> all,
            EventSource source,
            long head,
            Map<String, LiveWorkload.Row> expected)
            throws Exception {
        Measurements measurements = new Measurements(events);
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < all.size(); i++) {
                Contender contender = all.get((i + round) % all.size());
                ReplayTrial.Timing timing = trial.run(contender, source, head, expected);
                measurements.add(contender.name(), timing);
                OUT.printf(
                        Locale.ROOT,
                        "round %d/%d  %-30s batch %5d  %8.3f s  %,10.0f ev/s  client CPU %.3f s"
                                + "  load %s  (verified)%n",
                        round + 1,
                        rounds,
                        contender.name(),
                        contender.batchSize(),
                        timing.elapsed().toNanos() / 1e9,
                        events * 1e9 / timing.elapsed().toNanos(),
                        timing.cpu().toNanos() / 1e9,
                        loadAverage());
            }
        }
        return measurements;
    }

    private void printSetup(TestDatabase db, LiveWorkload.Seeded seeded, Duration seeding) throws SQLException {
        Runtime runtime = Runtime.getRuntime();
        OUT.printf(
                Locale.ROOT,
                "Lockstep replay benchmark: %,d events over %,d accounts, batch size %d, %d round(s)%n",
                events,
                accounts,
                batchSize,
                rounds);
        OUT.printf(
                Locale.ROOT,
                "workload: live order, %s; %.0f runs of one event type per %,d events%n",
                new java.util.TreeMap<>(seeded.counts()),
                seeded.runs() * (double) batchSize / events,
                batchSize);
        OUT.printf(
                Locale.ROOT,
                "JVM: Java %s, max heap (Runtime.maxMemory) %,d MiB, %d processors, args %s%n",
                Runtime.version(),
                runtime.maxMemory() / (1024 * 1024),
                runtime.availableProcessors(),
                ManagementFactory.getRuntimeMXBean().getInputArguments());
        OUT.printf(
                Locale.ROOT,
                "database: %s (%s), seeded in %.1f s; load average %s%n",
                db.name(),
                serverVersion(db),
                seeding.toMillis() / 1e3,
                loadAverage());
    }

    /** @return the machine's 1-minute load average (other processes share it), or "?" when unknown */
    private static String loadAverage() {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return load < 0 ? "?" : String.format(Locale.ROOT, "%.2f", load);
    }

    private static String serverVersion(TestDatabase db) throws SQLException {
        try (Connection connection = db.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SHOW server_version")) {
            rows.next();
            return "PostgreSQL " + rows.getString(1);
        }
    }

    private void printReproduction() {
        String args = "--events " + events + " --accounts " + accounts + " --batch-size " + batchSize + " --rounds "
                + rounds + " --warmup-events " + warmupEvents
                + (contenders == null ? "" : " --contenders " + String.join(",", contenders))
                + (batchSizes == null
                        ? ""
                        : " --batch-sizes "
                                + batchSizes.stream()
                                        .map(String::valueOf)
                                        .reduce((a, b) -> a + "," + b)
                                        .orElse(""))
                + (jdbcUrl == null ? "" : " --jdbc-url '" + masked(jdbcUrl) + "'");
        String url = System.getenv("LOCKSTEP_TEST_JDBC_URL");
        OUT.printf(
                Locale.ROOT,
                "JVM max heap (Runtime.maxMemory): %,d MiB%n",
                Runtime.getRuntime().maxMemory() >> 20);
        OUT.println("reproduce:");
        OUT.println("  " + (url == null ? "" : "LOCKSTEP_TEST_JDBC_URL='" + masked(url) + "' ")
                + "JAVA_HOME=" + System.getProperty("java.home") + " mvn -q -o -pl projection-postgres test-compile"
                + " exec:exec@replay-benchmark -Dbench.jvmArgs=\""
                + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()) + "\" -Dbench.args=\""
                + args + "\"");
    }

    private static String masked(String url) {
        return url.replaceAll("password=[^&]*", "password=***");
    }
}
