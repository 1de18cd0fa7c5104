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

    private RedisReplayBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        int events = Integer.parseInt(options.getOrDefault("events", "200000"));
        int accounts = Integer.parseInt(options.getOrDefault("accounts", "10000"));
        int batchSize = Integer.parseInt(options.getOrDefault("batch-size", "1000"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "5"));
        String uri = options.getOrDefault("redis", "redis://127.0.0.1:6379/0");
        InMemoryEventSource source = BalancesProjection.events(events, accounts, 7);
        String prefix = TestRedis.uniquePrefix();
        System.out.printf("Redis replay: %,d events, %,d accounts, batches of %,d, %d rounds, %s%n", events, accounts,
                batchSize, rounds, uri);
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        List<Double> ratios = new ArrayList<>();
        try {
            // warm-up: a whole replay of each, not counted
            pipeline(uri, prefix, source, events, batchSize);
            lockstep(uri, prefix, source, events, batchSize);
            for (int round = 1; round <= rounds; round++) {
                boolean lockstepFirst = round % 2 == 0;
                double first = lockstepFirst ? lockstep(uri, prefix, source, events, batchSize)
                        : pipeline(uri, prefix, source, events, batchSize);
                double second = lockstepFirst ? pipeline(uri, prefix, source, events, batchSize)
                        : lockstep(uri, prefix, source, events, batchSize);
                double lockstep = lockstepFirst ? first : second;
                double pipeline = lockstepFirst ? second : first;
                rates.computeIfAbsent("pipeline", k -> new ArrayList<>()).add(pipeline);
                rates.computeIfAbsent("lockstep", k -> new ArrayList<>()).add(lockstep);
                ratios.add(lockstep / pipeline);
                System.out.printf("round %d: pipeline %,.0f events/s, lockstep %,.0f events/s, ratio %.2fx%n", round,
                        pipeline, lockstep, lockstep / pipeline);
            }
        } finally {
            TestRedis.deleteKeys(uri, prefix);
        }
        System.out.println();
        System.out.println("| contender | events/s (median) | ratio (median of same-round ratios) |");
        System.out.println("| --- | ---: | ---: |");
        System.out.printf("| hand-written Lettuce pipeline, one MULTI/EXEC per batch with the checkpoint | %,.0f | 1.00x |%n",
                median(rates.get("pipeline")));
        System.out.printf("| Lockstep RedisProjectionStore, per-event handlers | %,.0f | %.2fx |%n",
                median(rates.get("lockstep")), median(ratios));
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
        try (RedisProjectionStore store = RedisProjectionStore.builder(uri).keyPrefix(prefix).build()) {
            ProjectionRunner runner = ProjectionRunner.builder(projection, store, new Prefix(source, events - 1))
                    .batchSize(batchSize).build();
            long started = System.nanoTime();
            long reached = runner.catchUp();
            double rate = events / ((System.nanoTime() - started) / 1e9);
            if (reached != events - 1) {
                throw new IllegalStateException("replay ended at " + reached);
            }
            return rate;
        }
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
            return afterPosition >= last ? List.of()
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
