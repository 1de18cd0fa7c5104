package io.lockstep.redis.testing;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * Finds the Redis the tests use, the way {@code TestServer} finds PostgreSQL: {@code LOCKSTEP_TEST_REDIS_URL}
 * when set, else 127.0.0.1:6379 when it answers PING, else a Testcontainers {@code redis:7-alpine} when a
 * Docker engine answers. Without any, Redis tests are skipped with a message, unless
 * {@code LOCKSTEP_TEST_REDIS_REQUIRED=true} (what {@code .ci/run} sets where Redis exists): then they fail.
 *
 * <p>Tests share that Redis with others: each uses keys under a prefix of its own ({@link #uniquePrefix()})
 * and never flushes. Destructive tests (FLUSHALL, restarts) run on a {@link PrivateRedisServer}.
 */
public final class TestRedis {

    /** The environment variable that turns a skip into a failure. */
    public static final String REQUIRED = "LOCKSTEP_TEST_REDIS_REQUIRED";

    private static String uri;
    private static String whyNone;
    private static GenericContainer<?> container;

    private TestRedis() {}

    /** @return the URI of the test Redis; skips (or, when required, fails) the test when there is none */
    public static synchronized String uri() {
        if (uri == null && whyNone == null) {
            resolve();
        }
        if (uri == null) {
            skipOrFail("no Redis for the tests: " + whyNone);
        }
        return uri;
    }

    /** Skips the calling test with {@code reason}, or fails it when Redis tests are required. */
    public static void skipOrFail(String reason) {
        if ("true".equalsIgnoreCase(System.getenv(REQUIRED))) {
            Assertions.fail(reason + " (" + REQUIRED + "=true: Redis tests must run here)");
        }
        Assumptions.abort(reason + "; set LOCKSTEP_TEST_REDIS_URL=redis://host:6379 to run them");
    }

    /** @return a key prefix no other test uses, e.g. {@code lockstep-test:3f2a...:} */
    public static String uniquePrefix() {
        return "lockstep-test:" + UUID.randomUUID().toString().replace("-", "").substring(0, 16) + ":";
    }

    /** Deletes every key under {@code prefix} on the Redis at {@code redisUri}. */
    public static void deleteKeys(String redisUri, String prefix) {
        RedisClient client = RedisClient.create(redisUri);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            List<String> keys = new ArrayList<>();
            ScanIterator.scan(
                            connection.sync(),
                            ScanArgs.Builder.matches(prefix + "*").limit(1000))
                    .forEachRemaining(keys::add);
            for (int i = 0; i < keys.size(); i += 1000) {
                connection
                        .sync()
                        .unlink(keys.subList(i, Math.min(keys.size(), i + 1000)).toArray(String[]::new));
            }
        } finally {
            client.shutdown();
        }
    }

    private static void resolve() {
        String configured = System.getenv("LOCKSTEP_TEST_REDIS_URL");
        if (configured != null && !configured.isBlank()) {
            uri = configured;
            return;
        }
        if (answersPing("127.0.0.1", 6379)) {
            uri = "redis://127.0.0.1:6379/0";
            return;
        }
        try {
            if (DockerClientFactory.instance().isDockerAvailable()) {
                container = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
                container.start();
                uri = "redis://" + container.getHost() + ":" + container.getMappedPort(6379) + "/0";
                return;
            }
        } catch (RuntimeException | LinkageError e) {
            whyNone = "LOCKSTEP_TEST_REDIS_URL is not set, 127.0.0.1:6379 does not answer and Testcontainers failed: "
                    + e;
            return;
        }
        whyNone = "LOCKSTEP_TEST_REDIS_URL is not set, 127.0.0.1:6379 does not answer and no Docker engine answers";
    }

    /** @return true when a Redis at {@code host:port} answers PING within a second */
    public static boolean answersPing(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[7];
            int read = in.readNBytes(reply, 0, 7);
            return new String(reply, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }
}
