package io.lockstep.redis;

import io.lockstep.projection.ProjectionStore;
import io.lockstep.projection.ProjectionStoreContract;
import io.lockstep.redis.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The Redis store keeps the {@link ProjectionStore} contract. */
class RedisProjectionStoreContractTest extends ProjectionStoreContract<RedisTransaction> {

    private static final String PREFIX = TestRedis.uniquePrefix();
    private static RedisProjectionStore store;

    @BeforeAll
    static void createStore() {
        store = RedisProjectionStore.builder(TestRedis.uri()).keyPrefix(PREFIX).build();
    }

    @AfterAll
    static void closeStore() {
        if (store != null) {
            store.close();
            TestRedis.deleteKeys(TestRedis.uri(), PREFIX);
        }
    }

    @Override
    protected ProjectionStore<RedisTransaction> store() {
        return store;
    }
}
