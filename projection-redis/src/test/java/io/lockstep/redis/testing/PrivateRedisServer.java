package io.lockstep.redis.testing;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;

/**
 * A redis-server of the test's own on a free loopback port, keeping nothing on disk, for tests that flush
 * or restart Redis. Needs the {@code redis-server} binary on the PATH; without it the test is skipped with a
 * message (also where Redis tests are required: the Redis they use may be remote).
 */
public final class PrivateRedisServer implements AutoCloseable {

    private final int port;
    private Process process;

    private PrivateRedisServer(int port) {
        this.port = port;
    }

    /** Starts a server on a free port and waits until it answers. */
    public static PrivateRedisServer start() {
        String binary = findBinary();
        if (binary == null) {
            // Skipped even when Redis tests are required: the Redis they use may be remote, without a binary here.
            org.junit.jupiter.api.Assumptions.abort("redis-server is not on the PATH; this test starts a Redis of"
                    + " its own (apt-get install redis-server)");
        }
        PrivateRedisServer server = new PrivateRedisServer(freePort());
        server.launch();
        return server;
    }

    /** @return the server's URI */
    public String uri() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    /** Kills the server with SIGKILL: it loses everything (it keeps nothing on disk). */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts the server again on the same port, empty. */
    public void restart() {
        launch();
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            kill();
        }
    }

    private void launch() {
        try {
            process = new ProcessBuilder(List.of(
                            findBinary(),
                            "--port",
                            Integer.toString(port),
                            "--bind",
                            "127.0.0.1",
                            "--save",
                            "",
                            "--appendonly",
                            "no",
                            "--daemonize",
                            "no",
                            "--protected-mode",
                            "no"))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("could not start redis-server: " + e, e);
        }
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> TestRedis.answersPing("127.0.0.1", port));
    }

    private static String findBinary() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File candidate = new File(dir, "redis-server");
            if (candidate.canExecute()) {
                return candidate.getPath();
            }
        }
        return null;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
