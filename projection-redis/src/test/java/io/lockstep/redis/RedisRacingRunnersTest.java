package io.lockstep.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lockstep.projection.InMemoryEventSource;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.StepResult;
import io.lockstep.redis.testing.BalancesProjection;
import io.lockstep.redis.testing.TestRedis;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Runners of the same projection racing on one Redis, each with a store (and connections) of its own, as
 * in separate processes: every event is committed by exactly one of them.
 */
class RedisRacingRunnersTest {

    private static final int EVENTS = 20_000;
    private static final int RUNNERS = 3;

    private final String prefix = TestRedis.uniquePrefix();

    @AfterEach
    void deleteKeys() {
        TestRedis.deleteKeys(TestRedis.uri(), prefix);
    }

    @Test
    void eachEventIsCommittedByExactlyOneRunner() throws Exception {
        // given
        InMemoryEventSource source = BalancesProjection.events(EVENTS, 100, 11);
        List<RedisProjectionStore> stores = new ArrayList<>();
        AtomicLong committed = new AtomicLong();
        AtomicInteger conflicts = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(RUNNERS);
        List<Future<?>> running = new ArrayList<>();

        // when: all start at once and step until the checkpoint is at the head
        for (int i = 0; i < RUNNERS; i++) {
            RedisProjectionStore store = RedisProjectionStore.builder(TestRedis.uri())
                    .keyPrefix(prefix)
                    .build();
            stores.add(store);
            ProjectionRunner runner = ProjectionRunner.builder(
                            BalancesProjection.create("racing", prefix), store, source)
                    .batchSize(50)
                    .build();
            running.add(threads.submit(() -> {
                start.await();
                while (true) {
                    switch (runner.step()) {
                        case StepResult.Committed c -> committed.addAndGet(c.events());
                        case StepResult.Conflict c -> conflicts.incrementAndGet();
                        case StepResult.Idle idle -> {
                            return null;
                        }
                        case StepResult result -> throw new AssertionError("unexpected " + result);
                    }
                }
            }));
        }
        start.countDown();
        for (Future<?> future : running) {
            future.get();
        }
        threads.shutdown();
        stores.forEach(RedisProjectionStore::close);

        // then
        assertThat(committed.get()).isEqualTo(EVENTS);
        assertThat(conflicts.get()).as("the runners did race").isPositive();
        RedisClient client = RedisClient.create(TestRedis.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            assertThat(connection.sync().get(prefix + "applied")).isEqualTo(Integer.toString(EVENTS));
            assertThat(connection.sync().hgetall(prefix + "balances"))
                    .isEqualTo(BalancesProjection.fold(source, EVENTS));
        } finally {
            client.shutdown();
        }
    }
}
