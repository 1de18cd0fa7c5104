package io.lockstep.postgres.bench;

import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.postgres.ProjectionNode;
import io.lockstep.postgres.eventlog.AppendResult;
import io.lockstep.postgres.eventlog.ExpectedVersion;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.postgres.testing.AccountsWorkload.FundsDeposited;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.PartitionSet;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.StreamBuckets;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Scale-out benchmark: replay throughput of the accounts projection unpartitioned and with 1, 2 and 4 partitions
 * in one process and over two processes (interleaved rounds, same database, same run); append-to-projected
 * latency at 500 appends/s with 4 partitions over 2 node processes against 1 partition on 1 node; failover time
 * after SIGKILL with the default lease. Options: --events, --accounts, --rounds, --latency-seconds, --failovers,
 * --skip (comma-separated: replay, latency, failover).
 */
public final class ScaleOutBenchmark {

    private final TestDatabase db;
    private final PostgresProjectionStore store;
    private final PostgresEventLog log;
    private final int events;
    private final List<Process> children = new CopyOnWriteArrayList<>();
    /** The replay contenders' nodes, by projection, started in their first round (in-process ones are never closed). */
    private final Map<String, Boolean> nodes = new java.util.HashMap<>();

    private ScaleOutBenchmark(TestDatabase db, int events) {
        this.db = db;
        this.events = events;
        this.store = PostgresProjectionStore.builder(db.dataSource()).build();
        this.log =
                PostgresEventLog.builder(db.dataSource(), ScaleOutBench.TYPES).build();
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        int events = Integer.parseInt(options.getOrDefault("events", "200000"));
        int accounts = Integer.parseInt(options.getOrDefault("accounts", "10000"));
        String skip = options.getOrDefault("skip", "");
        try (TestDatabase db = TestDatabase.create(16)) {
            ScaleOutBench.seed(db, accounts, events);
            ScaleOutBenchmark bench = new ScaleOutBenchmark(db, events);
            try {
                bench.log.start();
                while (bench.log.sequence() > 0) {
                    // sequence the seeded events before measuring
                }
                if (!skip.contains("replay")) {
                    bench.replays(Integer.parseInt(options.getOrDefault("rounds", "3")));
                }
                if (!skip.contains("latency")) {
                    int seconds = Integer.parseInt(options.getOrDefault("latency-seconds", "20"));
                    bench.latency("1 partition, 1 node", 1, 1, seconds);
                    bench.latency("4 partitions, 2 nodes", 4, 2, seconds);
                }
                if (!skip.contains("failover")) {
                    bench.failovers(Integer.parseInt(options.getOrDefault("failovers", "10")));
                }
            } finally {
                bench.children.forEach(Process::destroyForcibly);
                bench.log.close();
            }
        }
        System.exit(0);
    }

    private void replays(int rounds) throws Exception {
        String[] contenders = {
            "unpartitioned",
            "1 partition",
            "2 partitions",
            "4 partitions",
            "2 partitions, 2 processes",
            "4 partitions, 2 processes"
        };
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++) {
            for (String contender : contenders) {
                double rate = events / replaySeconds(contender, round);
                rates.computeIfAbsent(contender, c -> new ArrayList<>()).add(rate);
                System.out.printf("round %d  %-28s %,10.0f events/s%n", round, contender, rate);
            }
        }
        System.out.printf(
                "%nreplay of %,d events, median of %d rounds (ratio: median of same-round ratios)%n", events, rounds);
        for (String contender : contenders) {
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < rounds; i++) {
                ratios.add(
                        rates.get(contender).get(i) / rates.get("unpartitioned").get(i));
            }
            System.out.printf("| %s | %,.0f | %.2fx |%n", contender, median(rates.get(contender)), median(ratios));
        }
    }

    private double replaySeconds(String contender, int round) throws Exception {
        if (contender.equals("unpartitioned")) {
            ProjectionRunner runner = ProjectionRunner.builder(ScaleOutBench.projection("bench-plain"), store, log)
                    .build();
            runner.replay();
            long start = System.nanoTime();
            runner.catchUp();
            return (System.nanoTime() - start) / 1e9;
        }
        int partitions = Integer.parseInt(contender.substring(0, 1));
        boolean twoProcesses = contender.contains("processes");
        String name = "bench-p" + partitions + (twoProcesses ? "-2p" : "");
        PartitionSet<PostgresTransaction> set = PartitionSet.of(ScaleOutBench.projection(name), store, "", partitions);
        set.setPaused(true);
        set.replay();
        if (!nodes.containsKey(name)) { // started once and kept across rounds, so later rounds run warm
            if (twoProcesses) {
                startNode(name + "-x", name, partitions, 0, 0);
                startNode(name + "-y", name, partitions, 0, 0);
                await(() -> owners(name) == 2 && held(name) == partitions, Duration.ofMinutes(3));
            } else {
                ProjectionNode node = ProjectionNode.builder(db.dataSource(), store, log)
                        .nodeId(name)
                        .projection(set.projection(), partitions, runner -> runner.idleWait(Duration.ofMillis(100)))
                        .build();
                node.start();
                await(() -> node.running().size() == partitions, Duration.ofMinutes(1));
            }
            nodes.put(name, true);
        }
        long start = System.nanoTime();
        set.setPaused(false);
        await(
                () -> db.queryLong("SELECT coalesce(sum(events), 0) FROM account_balance") == events,
                Duration.ofMinutes(10));
        double seconds = (System.nanoTime() - start) / 1e9;
        set.setPaused(true);
        return seconds;
    }

    private void latency(String label, int partitions, int nodeCount, int seconds) throws Exception {
        String name = "bench-latency-" + partitions;
        PartitionSet<PostgresTransaction> set = PartitionSet.of(ScaleOutBench.projection(name), store, "", partitions);
        set.resetTo(log.headPosition());
        List<Process> nodes = new ArrayList<>();
        for (int i = 0; i < nodeCount; i++) {
            nodes.add(startNode(name + "-" + i, name, partitions, 0, 0));
        }
        await(() -> owners(name) == nodeCount && held(name) == partitions, Duration.ofMinutes(3));
        List<ConcurrentSkipListMap<Long, Long>> pending = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            pending.add(new ConcurrentSkipListMap<>());
        }
        List<Long> latencies = new CopyOnWriteArrayList<>();
        long measureFrom = System.nanoTime() + 3_000_000_000L;
        long until = measureFrom + seconds * 1_000_000_000L;
        List<Thread> appenders = new ArrayList<>();
        long transactionsBefore = transactions();
        long appendsFrom = log.headPosition();
        for (int a = 0; a < 4; a++) {
            appenders.add(Thread.ofVirtual().start(() -> appendAt125PerSecond(until, pending, partitions)));
        }
        Thread watcher =
                Thread.ofVirtual().start(() -> watch(set, pending, latencies, measureFrom, until + 2_000_000_000L));
        for (Thread t : appenders) {
            t.join();
        }
        watcher.join();
        long appended = log.headPosition() - appendsFrom;
        // A diagnostic, not a figure to compare alone: every auto-committed statement is a transaction too.
        System.out.printf(
                "%s: %.1f database transactions per appended event (appends, sequencing, runners, leases,"
                        + " this benchmark's checkpoint polling)%n",
                label, (transactions() - transactionsBefore) / (double) Math.max(1, appended));
        nodes.forEach(Process::destroy);
        for (Process p : nodes) {
            p.waitFor();
        }
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(
                "append-to-projected, %s, 500 appends/s, %d s: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms,"
                        + " max %.1f ms (%d events)%n",
                label,
                seconds,
                pct(sorted, 50),
                pct(sorted, 90),
                pct(sorted, 99),
                sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6,
                sorted.length);
    }

    private void appendAt125PerSecond(long until, List<ConcurrentSkipListMap<Long, Long>> pending, int partitions) {
        long next = System.nanoTime();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (next < until) {
            LockSupport.parkNanos(next - System.nanoTime());
            String stream = "acc-" + random.nextInt(10_000);
            long t0 = System.nanoTime();
            AppendResult result = log.append(stream, ExpectedVersion.any(), List.of(new FundsDeposited(stream, 1)));
            Thread.ofVirtual().start(() -> {
                try {
                    log.awaitPosition(result, Duration.ofSeconds(5))
                            .ifPresent(position -> pending.get(
                                            StreamBuckets.of(stream) / (StreamBuckets.COUNT / partitions))
                                    .put(position, t0));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            next += 8_000_000; // 125 appends/s per appender, 4 appenders
        }
    }

    /**
     * Polls every partition's checkpoint every millisecond in ONE statement, whatever the partition count, so the
     * measuring costs the database the same for 1 partition as for 4 (reading each checkpoint on its own made the
     * 4-partition run pay 4 times the polling: 4,000 statements/s on the same two cores).
     */
    private void watch(
            PartitionSet<PostgresTransaction> set,
            List<ConcurrentSkipListMap<Long, Long>> pending,
            List<Long> latencies,
            long measureFrom,
            long until) {
        String[] names =
                set.partitions().stream().map(p -> set.key(p).projection()).toArray(String[]::new);
        try (java.sql.Connection c = db.dataSource().getConnection();
                java.sql.PreparedStatement read = c.prepareStatement("SELECT array_position(?::text[], projection) - 1,"
                        + " position FROM lockstep.checkpoints WHERE tenant_id = '' AND projection = ANY(?::text[])")) {
            java.sql.Array array = c.createArrayOf("text", names);
            read.setArray(1, array);
            read.setArray(2, array);
            while (System.nanoTime() < until) {
                try (java.sql.ResultSet rows = read.executeQuery()) {
                    long now = System.nanoTime();
                    while (rows.next()) {
                        var done = pending.get(rows.getInt(1)).headMap(rows.getLong(2), true);
                        done.values().forEach(t0 -> {
                            if (t0 >= measureFrom) {
                                latencies.add(now - t0);
                            }
                        });
                        done.clear();
                    }
                }
                LockSupport.parkNanos(1_000_000);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("the latency watcher could not read the checkpoints", e);
        }
    }

    private void failovers(int times) throws Exception {
        String name = "bench-failover";
        PartitionSet.of(ScaleOutBench.projection(name), store, "", 4).resetTo(log.headPosition());
        Process a = startNode(name + "-a0", name, 4, 0, 0);
        Process b = startNode(name + "-b", name, 4, 0, 0);
        List<Double> seconds = new ArrayList<>();
        for (int i = 0; i < times; i++) {
            await(() -> owners(name) == 2 && held(name) == 4, Duration.ofMinutes(3));
            String victim = name + "-a" + i;
            await(
                    () -> db.queryLong("SELECT count(*) FROM lockstep.leases WHERE owner = '" + victim
                                    + "' AND expires_at > clock_timestamp()")
                            == 2,
                    Duration.ofMinutes(1));
            a.destroyForcibly().waitFor();
            long killed = System.nanoTime();
            await(
                    () -> db.queryLong("SELECT count(*) FROM lockstep.leases WHERE owner = '" + name
                                    + "-b' AND expires_at > clock_timestamp()")
                            == 4,
                    Duration.ofMinutes(1));
            seconds.add((System.nanoTime() - killed) / 1e9);
            System.out.printf("failover %d: %.2f s%n", i + 1, seconds.getLast());
            a = startNode(name + "-a" + (i + 1), name, 4, 0, 0);
        }
        a.destroy();
        b.destroy();
        System.out.printf(
                "failover after SIGKILL (lease %s, heartbeat %s): median %.2f s, max %.2f s over %d%n",
                ProjectionNode.DEFAULT_LEASE,
                ProjectionNode.DEFAULT_HEARTBEAT,
                median(seconds),
                seconds.stream().mapToDouble(Double::doubleValue).max().orElse(0),
                times);
    }

    private long transactions() {
        return db.queryLong(
                "SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database WHERE datname = current_database()");
    }

    private long owners(String projection) {
        return db.queryLong("SELECT count(DISTINCT owner) FROM lockstep.leases WHERE projection = '" + projection
                + "' AND expires_at > clock_timestamp()");
    }

    private long held(String projection) {
        return db.queryLong("SELECT count(*) FROM lockstep.leases WHERE projection = '" + projection
                + "' AND expires_at > clock_timestamp()");
    }

    private Process startNode(String id, String projection, int partitions, long leaseMs, long heartbeatMs)
            throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(
                        java,
                        "-Xmx256m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        ScaleOutBenchNode.class.getName(),
                        db.jdbcUrl(),
                        id,
                        projection,
                        Integer.toString(partitions),
                        Long.toString(leaseMs),
                        Long.toString(heartbeatMs))
                .redirectErrorStream(true)
                .redirectOutput(Path.of("target", "bench-" + id + ".log").toFile())
                .directory(new File(System.getProperty("user.dir")))
                .start();
        children.add(child);
        return child;
    }

    private static void await(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("benchmark condition not reached within " + timeout);
            }
            LockSupport.parkNanos(5_000_000);
        }
    }

    private static double pct(long[] sorted, int percentile) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, sorted.length * percentile / 100)] / 1e6;
    }

    private static double median(List<Double> values) {
        double[] sorted =
                values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value, got " + Arrays.toString(args));
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return options;
    }
}
