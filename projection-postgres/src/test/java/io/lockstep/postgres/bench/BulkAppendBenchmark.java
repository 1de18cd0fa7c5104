package io.lockstep.postgres.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockstep.postgres.eventlog.ExpectedVersion;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.postgres.eventlog.StreamAppend;
import io.lockstep.postgres.testing.RoundTripCounter;
import io.lockstep.postgres.testing.TestDatabase;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures bulk appends ({@link PostgresEventLog#appendAll}) against a plain COPY of the same rows into the same
 * {@code events} table (versions computed by the client, no check, no notification, no sequencer), and
 * {@link PostgresEventLog#appendInTransaction} of the same streams, one append per stream and
 * {@code --streams-per-bulk} appends per transaction. The workload: {@code --events} events in streams of 1 to
 * 19 events (10 on average, seeded), each a new stream ({@link ExpectedVersion#noStream()}, an import), in bulks
 * of {@code --streams-per-bulk} streams, one transaction each. Lockstep's contenders run with the log started
 * (the sequencer gives positions meanwhile, as in production); a trial ends when the last bulk committed, and
 * the time until the sequencer has given every event its position is printed beside it. Rounds interleave the
 * contenders (the order rotates), and the summary shows medians and the median same-round ratio to
 * {@code plain-copy}. Diagnostic: {@code plain-copy-sequenced}, the baseline's COPY while a started log gives
 * the events positions (the sequencing alone, which no append path avoids). Also counts, on the wire
 * ({@link RoundTripCounter}), the round trips of 1,000 appends in a caller's transaction.
 *
 * <pre>
 * export LOCKSTEP_TEST_JDBC_URL='jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres'
 * mvn -q -pl projection-postgres -am test-compile exec:exec@bulk-append-benchmark -Dexec.executable=true \
 *     -Dbench.args="--rounds 5"
 * </pre>
 */
@Command(
        name = "bulk-append-benchmark",
        mixinStandardHelpOptions = true,
        description = "Bulk appends against plain COPY and appends in the caller's transaction; events/s, ratios.")
public final class BulkAppendBenchmark implements Callable<Integer> {

    private static final PrintStream OUT = System.out;
    static final String BULK = "lockstep-bulk";
    static final String COPY = "plain-copy";
    static final String COPY_SEQUENCED = "plain-copy-sequenced";
    static final String IN_TRANSACTION = "lockstep-append-in-tx";

    @Option(names = "--events", description = "events per trial (default: ${DEFAULT-VALUE})")
    int events = 200_000;

    @Option(
            names = "--streams-per-bulk",
            description = "streams per bulk, one transaction each" + " (default: ${DEFAULT-VALUE})")
    int streamsPerBulk = 1_000;

    @Option(names = "--rounds", description = "trials per contender (default: ${DEFAULT-VALUE})")
    int rounds = 5;

    @Option(
            names = "--contenders",
            split = ",",
            defaultValue = BULK + "," + COPY + "," + IN_TRANSACTION,
            description = "of " + BULK + "," + COPY + "," + IN_TRANSACTION + "," + COPY_SEQUENCED
                    + " (default: ${DEFAULT-VALUE})")
    List<String> contenders;

    /** Runs the command and exits with its status. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BulkAppendBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<List<StreamAppend>> bulks = workload(events, streamsPerBulk, 42);
        long total = bulks.stream()
                .flatMap(List::stream)
                .mapToLong(part -> part.events().size())
                .sum();
        try (TestDatabase db = TestDatabase.create(4)) {
            OUT.printf(
                    Locale.ROOT,
                    "bulk append benchmark: %,d events in %,d streams (1..19 events, 10 on average),"
                            + " %,d streams per bulk, %d round(s); load average %.2f%n",
                    total,
                    bulks.stream().mapToInt(List::size).sum(),
                    streamsPerBulk,
                    rounds,
                    loadAverage());
            HikariDataSource pool = pool(db);
            try (pool) {
                List<List<StreamAppend>> warmUp = workload(Math.min(events, 20_000), streamsPerBulk, 7);
                for (String contender : contenders) {
                    run(db, pool, contender, warmUp, "warm-up");
                }
                Map<String, List<Double>> rates = new LinkedHashMap<>();
                for (int round = 0; round < rounds; round++) {
                    for (int i = 0; i < contenders.size(); i++) {
                        String contender = contenders.get((i + round) % contenders.size());
                        double rate = run(db, pool, contender, bulks, "round " + (round + 1) + "/" + rounds);
                        rates.computeIfAbsent(contender, name -> new ArrayList<>())
                                .add(rate);
                    }
                }
                summarize(rates);
            }
            OUT.printf(
                    Locale.ROOT,
                    "appendInTransaction round trips: %.3f per append (1,000 appends, counted on" + " the wire)%n",
                    roundTripsPerAppend(db));
        }
        OUT.println("reproduce: LOCKSTEP_TEST_JDBC_URL=... mvn -q -pl projection-postgres -am test-compile"
                + " exec:exec@bulk-append-benchmark -Dexec.executable=true -Dbench.jvmArgs=\""
                + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments())
                + "\" -Dbench.args=\"--events " + events + " --streams-per-bulk " + streamsPerBulk + " --rounds "
                + rounds + " --contenders " + String.join(",", contenders) + "\"");
        return 0;
    }

    /** @return the bulks: streams of 1..19 events (uniform, so 10 on average), each a new stream */
    static List<List<StreamAppend>> workload(int events, int streamsPerBulk, long seed) {
        Random random = new Random(seed);
        List<List<StreamAppend>> bulks = new ArrayList<>();
        List<StreamAppend> bulk = new ArrayList<>();
        int made = 0;
        for (int s = 0; made < events; s++) {
            String stream = "bulk-" + seed + "-" + s;
            int count = Math.min(1 + random.nextInt(19), events - made);
            bulk.add(StreamAppend.of(stream, ExpectedVersion.noStream(), AppendWorkload.events(stream, count)));
            made += count;
            if (bulk.size() == streamsPerBulk) {
                bulks.add(bulk);
                bulk = new ArrayList<>();
            }
        }
        if (!bulk.isEmpty()) {
            bulks.add(bulk);
        }
        return bulks;
    }

    /** Runs one trial on an emptied log and checks it; @return events per second until the last commit */
    private static double run(
            TestDatabase db, DataSource pool, String contender, List<List<StreamAppend>> bulks, String label)
            throws Exception {
        db.emptyEventLog();
        long total = bulks.stream()
                .flatMap(List::stream)
                .mapToLong(part -> part.events().size())
                .sum();
        PostgresEventLog log =
                PostgresEventLog.builder(pool, AppendWorkload.TYPES).build();
        boolean sequenced = !contender.equals(COPY);
        if (sequenced) {
            log.start();
        }
        try {
            long cpuStart = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            long start = System.nanoTime();
            switch (contender) {
                case BULK -> bulks.forEach(log::appendAll);
                case COPY, COPY_SEQUENCED -> plainCopy(pool, bulks);
                case IN_TRANSACTION -> appendInTransactions(pool, log, bulks);
                default -> throw new IllegalArgumentException("unknown contender '" + contender + "'");
            }
            long committed = System.nanoTime() - start;
            double cpuPerEvent =
                    (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpuStart) / 1e3 / total;
            long untilSequenced = committed;
            if (sequenced) {
                while (log.headPosition() < total) {
                    log.awaitEvents(log.headPosition(), Duration.ofSeconds(1));
                }
                untilSequenced = System.nanoTime() - start;
            }
            long stored = db.queryLong("SELECT count(*) FROM lockstep.events");
            if (stored != total || sequenced && log.headPosition() != total) {
                throw new IllegalStateException(contender + " stored " + stored + " of " + total + " events");
            }
            double rate = total / (committed / 1e9);
            OUT.printf(
                    Locale.ROOT,
                    "%-9s %-22s %,9d ev  %7.3f s  %,9.0f ev/s committed  %s  client CPU %5.2f us/ev"
                            + "  load %.2f  (verified)%n",
                    label,
                    contender,
                    total,
                    committed / 1e9,
                    rate,
                    sequenced
                            ? String.format(Locale.ROOT, "%,9.0f ev/s sequenced", total / (untilSequenced / 1e9))
                            : "                       ",
                    cpuPerEvent,
                    loadAverage());
            return rate;
        } finally {
            log.close();
        }
    }

    /** One COPY per bulk, in a transaction of its own: the rows Lockstep stores, without any check. */
    private static void plainCopy(DataSource pool, List<List<StreamAppend>> bulks) throws Exception {
        try (Connection connection = pool.getConnection()) {
            connection.setAutoCommit(false);
            for (List<StreamAppend> bulk : bulks) {
                CopyIn copy = connection
                        .unwrap(PGConnection.class)
                        .getCopyAPI()
                        .copyIn("COPY lockstep.events"
                                + " (stream_id, stream_version, event_type, payload, metadata) FROM STDIN");
                StringBuilder rows = new StringBuilder(1 << 17);
                for (StreamAppend part : bulk) {
                    long version = 0;
                    for (Object event : part.events()) {
                        rows.append(part.streamId())
                                .append('\t')
                                .append(version++)
                                .append('\t')
                                .append(AppendWorkload.TYPES.nameOf(event))
                                .append('\t')
                                .append(AppendWorkload.TYPES.toJson(event))
                                .append("\t{}\n");
                        if (rows.length() > 1 << 16) {
                            write(copy, rows);
                        }
                    }
                }
                write(copy, rows);
                copy.endCopy();
                connection.commit();
            }
            connection.setAutoCommit(true);
        }
    }

    private static void write(CopyIn copy, StringBuilder rows) throws Exception {
        byte[] bytes = rows.toString().getBytes(StandardCharsets.UTF_8);
        copy.writeToCopy(bytes, 0, bytes.length);
        rows.setLength(0);
    }

    /** One appendInTransaction per stream, a bulk's streams per transaction. */
    private static void appendInTransactions(DataSource pool, PostgresEventLog log, List<List<StreamAppend>> bulks)
            throws Exception {
        try (Connection connection = pool.getConnection()) {
            connection.setAutoCommit(false);
            for (List<StreamAppend> bulk : bulks) {
                for (StreamAppend part : bulk) {
                    log.appendInTransaction(
                            connection, part.streamId(), part.expected(), part.events(), part.metadata());
                }
                connection.commit();
            }
            connection.setAutoCommit(true);
        }
    }

    private static double roundTripsPerAppend(TestDatabase db) throws Exception {
        db.emptyEventLog();
        PostgresEventLog log =
                PostgresEventLog.builder(db.dataSource(), AppendWorkload.TYPES).build();
        try (RoundTripCounter counter = RoundTripCounter.relaying(db.jdbcUrl());
                Connection connection = DriverManager.getConnection(counter.jdbcUrl(db.jdbcUrl()))) {
            connection.setAutoCommit(false);
            long before = counter.roundTrips();
            for (int i = 0; i < 1_000; i++) {
                String stream = "rt-" + (i % 100);
                log.appendInTransaction(
                        connection,
                        stream,
                        i < 100 ? ExpectedVersion.noStream() : ExpectedVersion.exactly(i / 100 - 1),
                        AppendWorkload.events(stream, 1),
                        Map.of());
            }
            long trips = counter.roundTrips() - before;
            connection.commit();
            return trips / 1_000.0;
        }
    }

    private static void summarize(Map<String, List<Double>> rates) {
        OUT.println();
        OUT.println("| contender | median events/s | min | max | median same-round ratio to " + COPY + " |");
        OUT.println("| --- | ---: | ---: | ---: | ---: |");
        for (Map.Entry<String, List<Double>> entry : rates.entrySet()) {
            List<Double> own = entry.getValue();
            List<Double> ratios = new ArrayList<>();
            List<Double> copies = rates.get(COPY);
            for (int round = 0; copies != null && round < own.size(); round++) {
                ratios.add(own.get(round) / copies.get(round));
            }
            OUT.printf(
                    Locale.ROOT,
                    "| %s | %,.0f | %,.0f | %,.0f | %s |%n",
                    entry.getKey(),
                    median(own),
                    own.stream().mapToDouble(d -> d).min().orElse(0),
                    own.stream().mapToDouble(d -> d).max().orElse(0),
                    ratios.isEmpty() ? "-" : String.format(Locale.ROOT, "%.2fx", median(ratios)));
        }
        OUT.println("per round: " + rates);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static HikariDataSource pool(TestDatabase db) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.jdbcUrl());
        config.setMaximumPoolSize(6); // the appender, the LISTEN connection, a tick, a head read and spares
        config.setPoolName("bench-bulk");
        return new HikariDataSource(config);
    }
}
