package io.lockstep.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lockstep.redis.testing.BalancesProjection;
import io.lockstep.redis.testing.TestRedis;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once under crashes, in Redis: a child JVM replays 100,000 events into Redis and is killed with
 * SIGKILL at 10 random points; after the last restart the balances must equal the fold of the events, the
 * count of applied events must be exactly 100,000 (an INCR per event: a batch applied twice or lost shows)
 * and the checkpoint must equal the head.
 */
class RedisCrashRecoveryTest {

    private static final Logger LOG = LoggerFactory.getLogger(RedisCrashRecoveryTest.class);
    private static final int EVENTS = 100_000;
    private static final int ACCOUNTS = 2_000;
    private static final long SEED = 42;
    private static final int KILLS = 10;

    private String prefix;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;
    private RedisCommands<String, String> redis;
    private RedisProjectionStore store;

    @BeforeEach
    void connect() {
        prefix = TestRedis.uniquePrefix();
        client = RedisClient.create(TestRedis.uri());
        connection = client.connect();
        redis = connection.sync();
        store = RedisProjectionStore.builder(TestRedis.uri()).keyPrefix(prefix).build();
    }

    @AfterEach
    void disconnect() {
        store.close();
        connection.close();
        client.shutdown();
        TestRedis.deleteKeys(TestRedis.uri(), prefix);
    }

    @Test
    void readModelEqualsTheFoldAfterRepeatedKillNine() throws Exception {
        // given: kill points spread over the run, each one further than the last
        Random random = new Random();
        List<Long> killedAt = new ArrayList<>();
        long previous = -1;

        // when: start the child, wait until its checkpoint passes a random target, kill -9 it
        for (int kill = 0; kill < KILLS; kill++) {
            long target = previous + 1 + random.nextInt(EVENTS / (KILLS + 2));
            Process child = startChild("kill-" + kill);
            try {
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(2))
                        .until(() -> checkpoint() >= target);
            } finally {
                child.destroyForcibly();
                child.waitFor();
            }
            previous = checkpoint();
            killedAt.add(previous);
            LOG.info("kill {}: SIGKILL at checkpoint {} (target {})", kill + 1, previous, target);
        }
        Process last = startChild("final");
        try {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> checkpoint() == EVENTS - 1);
        } finally {
            last.destroyForcibly();
            last.waitFor();
        }

        // then
        assertThat(killedAt)
                .hasSize(KILLS)
                .isSorted()
                .allSatisfy(at -> assertThat(at).isLessThan(EVENTS - 1));
        assertThat(redis.get(prefix + "applied")).isEqualTo(Integer.toString(EVENTS));
        assertThat(redis.hgetall(prefix + "balances"))
                .isEqualTo(BalancesProjection.fold(BalancesProjection.events(EVENTS, ACCOUNTS, SEED), EVENTS));
        assertThat(checkpoint()).isEqualTo(EVENTS - 1);
    }

    private long checkpoint() {
        return store.checkpoints().getCheckpoint("crash");
    }

    private Process startChild(String label) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log = Path.of("target", "redis-crash-child-" + label + ".log");
        return new ProcessBuilder(
                        java,
                        "-Xmx256m",
                        "-XX:TieredStopAtLevel=1",
                        "-XX:+UseSerialGC",
                        "-cp",
                        System.getProperty("java.class.path"),
                        CrashRecoveryChild.class.getName(),
                        TestRedis.uri(),
                        prefix,
                        Integer.toString(EVENTS),
                        Integer.toString(ACCOUNTS),
                        Long.toString(SEED),
                        "200")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .directory(new File(System.getProperty("user.dir")))
                .start();
    }
}
