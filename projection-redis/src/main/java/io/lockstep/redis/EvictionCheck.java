package io.lockstep.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lockstep.projection.TransientStoreException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses a Redis that may evict any key ({@code maxmemory-policy allkeys-*}): it could drop a checkpoint
 * and keep its read model (the projection would then apply everything again on top) or drop part of a read
 * model under a checkpoint that says it is there. Checked once per store, before its first batch; a Redis
 * that does not allow CONFIG GET (a managed service) is trusted, with a log line. Thread-safe.
 */
final class EvictionCheck {

    private static final Logger LOG = LoggerFactory.getLogger(EvictionCheck.class);

    private final RedisConnections connections;
    private volatile boolean passed;

    EvictionCheck(RedisConnections connections) {
        this.connections = connections;
    }

    /**
     * @throws TransientStoreException when Redis may evict any key: the projection waits (its status names
     *                                 the setting) until an operator changes it, then goes on
     */
    void require() {
        if (passed) {
            return;
        }
        String policy;
        try {
            Map<String, String> config =
                    connections.withCommands("reading maxmemory-policy", redis -> redis.configGet("maxmemory-policy"));
            policy = config.getOrDefault("maxmemory-policy", "");
        } catch (RedisCommandExecutionException e) {
            LOG.info(
                    "{}: cannot read maxmemory-policy ({}); make sure Redis never evicts Lockstep's keys or the"
                            + " read model's (noeviction, or a volatile-* policy with no TTL on them)",
                    connections.storeName(),
                    e.getMessage());
            passed = true;
            return;
        }
        if (policy.startsWith("allkeys-")) {
            throw new TransientStoreException(
                    connections.storeName() + " runs with maxmemory-policy " + policy
                            + ": Redis may evict a checkpoint without its read model, or part of a read model under its"
                            + " checkpoint. Set maxmemory-policy noeviction (or a volatile-* policy and no TTL on these keys);"
                            + " the projection goes on once it is changed",
                    new IllegalStateException("maxmemory-policy " + policy));
        }
        passed = true;
    }
}
