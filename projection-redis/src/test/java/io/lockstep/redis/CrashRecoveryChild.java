package io.lockstep.redis;

import io.lockstep.projection.InMemoryEventSource;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.redis.testing.BalancesProjection;

/**
 * The child JVM of {@link RedisCrashRecoveryTest}: builds the same events as the parent from the seed and
 * replays them into Redis until killed. Arguments: Redis URI, key prefix, events, accounts, seed, batch size.
 */
public final class CrashRecoveryChild {

    private CrashRecoveryChild() {}

    public static void main(String[] args) throws Exception {
        String uri = args[0];
        String prefix = args[1];
        InMemoryEventSource source = BalancesProjection.events(
                Integer.parseInt(args[2]), Integer.parseInt(args[3]), Long.parseLong(args[4]));
        try (RedisProjectionStore store =
                        RedisProjectionStore.builder(uri).keyPrefix(prefix).build();
                ProjectionRunner runner = ProjectionRunner.builder(
                                BalancesProjection.create("crash", prefix), store, source)
                        .batchSize(Integer.parseInt(args[5]))
                        .build()) {
            System.out.println("caught up at " + runner.catchUp());
        }
    }
}
