package io.lockstep.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.projection.CheckpointStore;
import io.lockstep.projection.CheckpointStoreContract;
import io.lockstep.projection.TransientStoreException;
import io.lockstep.redis.testing.TestRedis;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The seed contract on Redis, plus what only a server can get wrong. */
class RedisCheckpointStoreTest extends CheckpointStoreContract {

    private final List<RedisProjectionStore> stores = new ArrayList<>();
    private final List<String> prefixes = new ArrayList<>();

    @Override
    protected CheckpointStore newStore() {
        String prefix = TestRedis.uniquePrefix();
        prefixes.add(prefix);
        RedisProjectionStore redis =
                RedisProjectionStore.builder(TestRedis.uri()).keyPrefix(prefix).build();
        stores.add(redis);
        return redis.checkpoints();
    }

    @AfterEach
    void closeStores() {
        stores.forEach(RedisProjectionStore::close);
        prefixes.forEach(prefix -> TestRedis.deleteKeys(TestRedis.uri(), prefix));
    }

    @Nested
    class WhenRedisIsUnreachable {

        @Test
        void everyCallFailsWithATransientStoreExceptionNamingTheStoreAndTheCause() throws Exception {
            // given: a port nothing listens on
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            try (RedisProjectionStore unreachable = RedisProjectionStore.builder("redis://127.0.0.1:" + port)
                    .commandTimeout(Duration.ofMillis(500))
                    .build()) {
                CheckpointStore checkpoints = unreachable.checkpoints();

                // when / then
                assertThatThrownBy(() -> checkpoints.getCheckpoint("balances"))
                        .isInstanceOf(TransientStoreException.class)
                        .hasMessageContaining("Redis store 'lockstep:' at 127.0.0.1:" + port)
                        .hasMessageContaining("reading checkpoint 'balances'")
                        .hasCauseInstanceOf(RuntimeException.class);
                assertThatThrownBy(() -> checkpoints.storeCheckpoint("balances", 3))
                        .isInstanceOf(TransientStoreException.class);
            }
        }
    }

    @Nested
    class Keys {

        @Test
        void keepsTenantAndNameApartEvenWhenTheyContainTheSeparator() {
            // given
            CheckpointStore checkpoints = newStore();

            // when: tenant "a:b" + name "c" and tenant "a" + name "b:c" would share a naive key
            checkpoints.forTenant("a:b").storeCheckpoint("c", 5);
            checkpoints.forTenant("a").storeCheckpoint("b:c", 6);

            // then
            assertThat(checkpoints.forTenant("a:b").getCheckpoint("c")).isEqualTo(5);
            assertThat(checkpoints.forTenant("a").getCheckpoint("b:c")).isEqualTo(6);
        }

        @Test
        void rejectsABlankKeyPrefixAtBuildTime() {
            assertThatThrownBy(() -> RedisProjectionStore.builder("redis://127.0.0.1:6379")
                            .keyPrefix(" "))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("keyPrefix");
            assertThatThrownBy(() -> RedisProjectionStore.builder("not a uri"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not a uri");
        }
    }
}
