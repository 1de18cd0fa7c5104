package io.lockstep.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lockstep.projection.InMemoryEventSource;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.RetryPolicy;
import io.lockstep.projection.StepResult;
import io.lockstep.redis.testing.BalancesProjection;
import io.lockstep.redis.testing.PrivateRedisServer;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis loses the read model and the checkpoint together while a runner works on it, on a redis-server of
 * the test's own: the projection notices and rebuilds from -1 by itself, and ends equal to the fold.
 */
class RedisDataLossTest {

    private static final int EVENTS = 60_000;
    private static final String PREFIX = "app:";

    private PrivateRedisServer server;
    private RedisProjectionStore store;

    @BeforeEach
    void startServer() {
        server = PrivateRedisServer.start();
        store = RedisProjectionStore.builder(server.uri())
                .commandTimeout(Duration.ofSeconds(2))
                .build();
    }

    @AfterEach
    void stopServer() {
        store.close();
        server.close();
    }

    @Test
    void flushAllMidRunIsNoticedAndRebuiltFromMinusOne() {
        rebuildsAfter(redis -> redis.flushall());
    }

    @Test
    void aRestartWithoutPersistenceMidRunIsNoticedAndRebuiltFromMinusOne() {
        rebuildsAfter(redis -> {
            server.kill();
            server.restart();
        });
    }

    @Test
    void waitsOnARedisThatMayEvictAnyKeyUntilThePolicyIsChanged() throws Exception {
        // given: a Redis that may evict checkpoints and read models alike
        InMemoryEventSource source = BalancesProjection.events(10, 5, 14);
        RedisClient client = RedisClient.create(server.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.sync().configSet("maxmemory-policy", "allkeys-lru");
            ProjectionRunner runner = ProjectionRunner.builder(
                            BalancesProjection.create("balances", PREFIX), store, source)
                    .build();

            // when
            StepResult refused = runner.step();

            // then: nothing ran, the status says why and what to change; after the change it goes on
            assertThat(refused).isInstanceOf(StepResult.Retrying.class);
            assertThat(runner.status().lastError().orElseThrow().message())
                    .contains("maxmemory-policy allkeys-lru")
                    .contains("noeviction");
            assertThat(connection.sync().exists(PREFIX + "applied")).isZero();
            connection.sync().configSet("maxmemory-policy", "noeviction");
            assertThat(runner.catchUp()).isEqualTo(9);
        } finally {
            client.shutdown();
        }
    }

    private void rebuildsAfter(Consumer<RedisCommands<String, String>> loss) {
        // given: a runner replaying into the private Redis
        InMemoryEventSource source = BalancesProjection.events(EVENTS, 500, 13);
        RedisClient client = RedisClient.create(server.uri());
        try (ProjectionRunner runner = ProjectionRunner.builder(
                        BalancesProjection.create("balances", PREFIX), store, source)
                .batchSize(100)
                .retryPolicy(new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(100)))
                .build()) {
            runner.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> runner.status().checkpoint() >= EVENTS / 3);

            // when: Redis loses everything mid-run
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                loss.accept(connection.sync());
            }

            // then: it starts over by itself and ends equal to the fold, every event applied once since the loss
            await().atMost(Duration.ofSeconds(40))
                    .until(() -> store.checkpoints().getCheckpoint("balances") == EVENTS - 1);
            assertThat(runner.status().eventsProcessed()).isGreaterThan(EVENTS + EVENTS / 3 - 200);
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                assertThat(connection.sync().get(PREFIX + "applied")).isEqualTo(Integer.toString(EVENTS));
                assertThat(connection.sync().hgetall(PREFIX + "balances"))
                        .isEqualTo(BalancesProjection.fold(source, EVENTS));
            }
            assertThat(store.dataLossesNoticed()).isPositive();
        } finally {
            client.shutdown();
        }
    }
}
