package io.lockstep.postgres.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TCP relay between JDBC clients and PostgreSQL that counts round trips: a round trip starts whenever a
 * client sends after the server last spoke on that connection (a client sending several messages before any
 * answer, as a pipelined or multi-statement query does, is one round trip). It measures what the wire sees,
 * whatever the driver does, so a test of "one round trip per call" can fail. Connect through
 * {@link #jdbcUrl(String)}; close to stop relaying. Thread-safe.
 */
public final class RoundTripCounter implements AutoCloseable {

    private static final Pattern HOST_PORT = Pattern.compile("^jdbc:postgresql://([^/:]+)(?::(\\d+))?/");

    private final ServerSocket listener;
    private final String targetHost;
    private final int targetPort;
    private final AtomicLong roundTrips = new AtomicLong();
    private volatile boolean closed;

    private RoundTripCounter(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("round-trip-counter").start(this::accept);
    }

    /** Starts a relay to the server of {@code jdbcUrl} (a {@code jdbc:postgresql://host[:port]/...} URL). */
    public static RoundTripCounter relaying(String jdbcUrl) {
        Matcher url = HOST_PORT.matcher(jdbcUrl);
        if (!url.find()) {
            throw new IllegalArgumentException("not a jdbc:postgresql://host[:port]/ URL: " + jdbcUrl);
        }
        try {
            return new RoundTripCounter(url.group(1), url.group(2) == null ? 5432 : Integer.parseInt(url.group(2)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return {@code jdbcUrl} with its host and port replaced by this relay's */
    public String jdbcUrl(String jdbcUrl) {
        return HOST_PORT.matcher(jdbcUrl).replaceFirst("jdbc:postgresql://127.0.0.1:" + listener.getLocalPort() + "/");
    }

    /** @return round trips so far, over all relayed connections */
    public long roundTrips() {
        return roundTrips.get();
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing: nothing to do
        }
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(targetHost, targetPort);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                AtomicBoolean serverSpoke = new AtomicBoolean(true);
                Thread.ofPlatform().daemon().start(() -> pump(client, server, serverSpoke, true));
                Thread.ofPlatform().daemon().start(() -> pump(server, client, serverSpoke, false));
            } catch (IOException e) {
                if (!closed) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    /**
     * Copies bytes from {@code from} to {@code to}. The server's side marks that it spoke before passing the
     * answer on, so the client's next send, which can only follow that answer, starts a new round trip.
     */
    private void pump(Socket from, Socket to, AtomicBoolean serverSpoke, boolean fromClient) {
        byte[] buffer = new byte[64 * 1024];
        try (from;
                to) {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int read; (read = in.read(buffer)) >= 0; ) {
                if (fromClient) {
                    if (serverSpoke.compareAndSet(true, false)) {
                        roundTrips.incrementAndGet();
                    }
                } else {
                    serverSpoke.set(true);
                }
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException e) {
            // a side closed: the relay of this connection ends
        }
    }
}
