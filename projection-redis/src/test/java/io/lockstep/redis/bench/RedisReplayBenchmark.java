package io.lockstep.redis.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lockstep.projection.Envelope;
import io.lockstep.projection.EventSource;
import io.lockstep.projection.InMemoryEventSource;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.redis.RedisProjectionStore;
import io.lockstep.redis.RedisTransaction;
import io.lockstep.redis.testing.BalancesProjection;
import io.lockstep.redis.testing.Deposit;
import io.lockstep.redis.testing.TestRedis;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Replays an accounts workload into Redis (per event: HINCRBY of the account's balance, ZINCRBY of the
 * largest-balances sorted set; the checkpoint written in the same MULTI) with Lockstep's Redis store and with
 * a hand-written Lettuce pipeline of the same commands, interleaved in the same run. Both read the same
 * in-memory event source in batches of the same size; each replay starts from empty keys.
 *
 * <pre>
 * mvn -q -pl projection-redis test-compile exec:exec@redis-benchmark -Dbench.args="--events 200000 --rounds 5"
 * </pre>
 *
 * Options: {@code --events} (200000), {@code --accounts} (10000), {@code --batch-size} (1000), {@code --rounds}
 * (5), {@code --redis} (redis://127.0.0.1:6379/0; keys under a prefix of the run's own, deleted afterwards).
 */
public final class RedisReplayBenchmark {

    private RedisReplayBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        int events = Integer.parseInt(options.getOrDefault("events", "200000"));
        int accounts = Integer.parseInt(options.getOrDefault("accounts", "10000"));
        int batchSize = Integer.parseInt(options.getOrDefault("batch-size", "1000"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "5"));
        String uri = options.getOrDefault("redis", "redis://127.0.0.1:6379/0");
        InMemoryEventSource source = BalancesProjection.events(events, accounts, 7);
        String prefix = TestRedis.uniquePrefix();
        System.out.printf(
                "Redis replay: %,d events, %,d accounts, batches of %,d, %d rounds, %s%n",
                events, accounts, batchSize, rounds, uri);
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        List<Double> ratios = new ArrayList<>();
        try {
            // warm-up: a whole replay of each, not counted
            pipeline(uri, prefix, source, events, batchSize);
            lockstep(uri, prefix, source, events, batchSize);
            for (int round = 1; round <= rounds; round++) {
                boolean lockstepFirst = round % 2 == 0;
                java.util.concurrent.Callable<Double> runLockstep =
                        () -> lockstep(uri, prefix, source, events, batchSize);
                java.util.concurrent.Callable<Double> runPipeline =
                        () -> pipeline(uri, prefix, source, events, batchSize);
                Run first = measure(uri, events, lockstepFirst ? runLockstep : runPipeline);
                Run second = measure(uri, events, lockstepFirst ? runPipeline : runLockstep);
                Run lockstep = lockstepFirst ? first : second;
                Run pipeline = lockstepFirst ? second : first;
                add(rates, "pipeline", pipeline);
                add(rates, "lockstep", lockstep);
                ratios.add(lockstep.rate() / pipeline.rate());
                System.out.printf(
                        "round %d: pipeline %,.0f events/s (client %.2f, Redis %.2f CPU us/event),"
                                + " lockstep %,.0f events/s (client %.2f, Redis %.2f CPU us/event), ratio %.2fx%n",
                        round,
                        pipeline.rate(),
                        pipeline.clientCpu(),
                        pipeline.redisCpu(),
                        lockstep.rate(),
                        lockstep.clientCpu(),
                        lockstep.redisCpu(),
                        lockstep.rate() / pipeline.rate());
            }
        } finally {
            TestRedis.deleteKeys(uri, prefix);
        }
        System.out.println();
        System.out.println("| contender | events/s | ratio | client CPU µs/event | Redis CPU µs/event |");
        System.out.println("| --- | ---: | ---: | ---: | ---: |");
        System.out.printf(
                "| hand-written Lettuce pipeline, one MULTI/EXEC per batch with the checkpoint | %,.0f | 1.00x"
                        + " | %.2f | %.2f |%n",
                median(rates.get("pipeline.rate")),
                median(rates.get("pipeline.client")),
                median(rates.get("pipeline.redis")));
        System.out.printf(
                "| Lockstep RedisProjectionStore, per-event handlers | %,.0f | %.2fx | %.2f | %.2f |%n",
                median(rates.get("lockstep.rate")),
                median(ratios),
                median(rates.get("lockstep.client")),
                median(rates.get("lockstep.redis")));
        System.out.println("(medians over the rounds; the ratio is the median of same-round ratios)");
    }

    /** One replay's figures: events per second, and CPU microseconds per event of this JVM and of Redis. */
    record Run(double rate, double clientCpu, double redisCpu) {}

    private static Run measure(String uri, int events, java.util.concurrent.Callable<Double> replay) throws Exception {
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        double redisBefore = redisCpuSeconds(uri);
        long clientBefore = os.getProcessCpuTime();
        double rate = replay.call();
        long clientNanos = os.getProcessCpuTime() - clientBefore;
        double redisSeconds = redisCpuSeconds(uri) - redisBefore;
        return new Run(rate, clientNanos / 1e3 / events, redisSeconds * 1e6 / events);
    }

    /** @return used_cpu_user + used_cpu_sys of the Redis at {@code uri} (all its clients, not only ours) */
    private static double redisCpuSeconds(String uri) {
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            double total = 0;
            for (String line : connection.sync().info("cpu").split("\r?\n")) {
                if (line.startsWith("used_cpu_user:") || line.startsWith("used_cpu_sys:")) {
                    total += Double.parseDouble(
                            line.substring(line.indexOf(':') + 1).trim());
                }
            }
            return total;
        } finally {
            client.shutdown();
        }
    }

    /** The baseline: what a careful engineer writes by hand with Lettuce. */
    static double pipeline(String uri, String prefix, EventSource source, int events, int batchSize) {
        TestRedis.deleteKeys(uri, prefix);
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.setAutoFlushCommands(false);
            RedisAsyncCommands<String, String> redis = connection.async();
            long started = System.nanoTime();
            long checkpoint = -1;
            while (checkpoint < events - 1) {
                List<Envelope> batch = source.read(checkpoint, (int) Math.min(batchSize, events - 1 - checkpoint));
                redis.multi();
                for (Envelope envelope : batch) {
                    Deposit deposit = (Deposit) envelope.event();
                    redis.hincrby(prefix + "balances", deposit.account(), deposit.amount());
                    redis.zincrby(prefix + "by-balance", deposit.amount(), deposit.account());
                }
                checkpoint = batch.getLast().position();
                redis.hset(prefix + "checkpoint", "position", Long.toString(checkpoint));
                RedisFuture<TransactionResult> exec = redis.exec();
                connection.flushCommands();
                if (exec.get(60, TimeUnit.SECONDS).wasDiscarded()) {
                    throw new IllegalStateException("EXEC discarded");
                }
            }
            return events / ((System.nanoTime() - started) / 1e9);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            client.shutdown();
        }
    }

    /** Lockstep: the same commands from a per-event handler, through the runner and the store. */
    static double lockstep(String uri, String prefix, EventSource source, int events, int batchSize)
            throws InterruptedException {
        TestRedis.deleteKeys(uri, prefix);
        Projection<RedisTransaction> projection = Projection.<RedisTransaction>builder("bench")
                .on(Deposit.class, (deposit, envelope, tx) -> {
                    tx.commands().hincrby(prefix + "balances", deposit.account(), deposit.amount());
                    tx.commands().zincrby(prefix + "by-balance", deposit.amount(), deposit.account());
                })
                .build();
        try (RedisProjectionStore store =
                RedisProjectionStore.builder(uri).keyPrefix(prefix).build()) {
            ProjectionRunner runner = ProjectionRunner.builder(projection, store, new Prefix(source, events - 1))
                    .batchSize(batchSize)
                    .build();
            long started = System.nanoTime();
            long reached = runner.catchUp();
            double rate = events / ((System.nanoTime() - started) / 1e9);
            if (reached != events - 1) {
                throw new IllegalStateException("replay ended at " + reached);
            }
            return rate;
        }
    }

    private static void add(Map<String, List<Double>> figures, String contender, Run run) {
        figures.computeIfAbsent(contender + ".rate", k -> new ArrayList<>()).add(run.rate());
        figures.computeIfAbsent(contender + ".client", k -> new ArrayList<>()).add(run.clientCpu());
        figures.computeIfAbsent(contender + ".redis", k -> new ArrayList<>()).add(run.redisCpu());
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value, got '" + args[i] + "'");
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return options;
    }

    /** The first events of a source: the replay ends at {@code last}. */
    private record Prefix(EventSource source, long last) implements EventSource {
        @Override
        public List<Envelope> read(long afterPosition, int maxEvents) {
            return afterPosition >= last
                    ? List.of()
                    : source.read(afterPosition, (int) Math.min(maxEvents, last - afterPosition));
        }

        @Override
        public long headPosition() {
            return Math.min(last, source.headPosition());
        }

        @Override
        public boolean awaitEvents(long afterPosition, java.time.Duration timeout) {
            return afterPosition < last;
        }
    }
}
