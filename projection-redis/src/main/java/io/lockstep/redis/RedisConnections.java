package io.lockstep.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.support.ConnectionPoolSupport;
import java.time.Duration;
import java.util.function.Function;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

/**
 * The store's Redis connections: a bounded pool of dedicated connections, one per operation or batch
 * (MULTI and WATCH are per connection, so batches cannot share one).
 *
 * <p>Connections never reconnect by themselves: Lettuce's automatic reconnect re-sends commands that were
 * in flight, which would replay a MULTI block without the WATCH that guarded it. A connection that broke
 * is discarded and the next operation opens a new one. Thread-safe.
 */
final class RedisConnections implements AutoCloseable {

    private final RedisClient client;
    private final GenericObjectPool<StatefulRedisConnection<String, String>> pool;
    private final String storeName;
    private final Duration timeout;

    RedisConnections(RedisURI uri, int maxConnections, Duration timeout, String storeName) {
        this.storeName = storeName;
        this.timeout = timeout;
        this.client =
                RedisClient.create(RedisURI.builder(uri).withTimeout(timeout).build());
        client.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build());
        GenericObjectPoolConfig<StatefulRedisConnection<String, String>> config = new GenericObjectPoolConfig<>();
        config.setMaxTotal(maxConnections);
        config.setMaxIdle(maxConnections);
        config.setTestOnBorrow(true);
        config.setMaxWait(timeout);
        config.setJmxEnabled(false);
        this.pool =
                ConnectionPoolSupport.createGenericObjectPool(() -> client.connect(StringCodec.UTF8), config, false);
    }

    /** @return the store's name for messages, e.g. {@code Redis store 'lockstep:' at redis://127.0.0.1:6379} */
    String storeName() {
        return storeName;
    }

    /** @return how long one command may take */
    Duration timeout() {
        return timeout;
    }

    /**
     * Borrows a connection for {@code operation}.
     *
     * @throws io.lockstep.projection.TransientStoreException when none can be opened
     */
    StatefulRedisConnection<String, String> borrow(String operation) {
        try {
            return pool.borrowObject();
        } catch (Exception e) {
            throw RedisFailures.translate(storeName, operation + " (opening a connection)", e);
        }
    }

    /**
     * Gives {@code connection} back: to the pool when {@code clean} (no MULTI, no WATCH, nothing unread),
     * else it is closed.
     */
    void giveBack(StatefulRedisConnection<String, String> connection, boolean clean) {
        try {
            if (clean && connection.isOpen()) {
                connection.setAutoFlushCommands(true);
                pool.returnObject(connection);
            } else {
                pool.invalidateObject(connection);
            }
        } catch (Exception e) {
            connection.closeAsync();
        }
    }

    /** Runs {@code work} on a pooled connection's synchronous API; translates Redis failures. */
    <R> R withCommands(String operation, Function<RedisCommands<String, String>, R> work) {
        StatefulRedisConnection<String, String> connection = borrow(operation);
        boolean clean = false;
        try {
            R result = work.apply(connection.sync());
            clean = true;
            return result;
        } catch (RuntimeException e) {
            clean = RedisFailures.transientCause(e) == null;
            throw RedisFailures.translate(storeName, operation, e);
        } finally {
            giveBack(connection, clean);
        }
    }

    @Override
    public void close() {
        pool.close();
        client.shutdown(Duration.ZERO, timeout);
    }
}
