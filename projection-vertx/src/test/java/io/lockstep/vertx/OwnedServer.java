package io.lockstep.vertx;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A PostgreSQL cluster that a fault test owns: an embedded PostgreSQL 17 on a port and data directory of its
 * own, which the test stops and starts again and whose roles and tablespaces it changes. Never the shared
 * test server. Superuser {@code postgres}, no password.
 */
final class OwnedServer implements AutoCloseable {

    private final Path data;
    private final int port;
    private EmbeddedPostgres server;

    private OwnedServer(Path data, int port) {
        this.data = data;
        this.port = port;
    }

    /** Creates a cluster in {@code directory} and starts it. */
    static OwnedServer start(Path directory) {
        OwnedServer owned = new OwnedServer(directory.resolve("data"), freePort());
        owned.start();
        return owned;
    }

    /** Starts the (stopped) server again on the same data directory and port. */
    void start() {
        try {
            server = EmbeddedPostgres.builder()
                    .setDataDirectory(data)
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setRegisterShutdownHook(true)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the owned PostgreSQL in " + data, e);
        }
    }

    /** Stops the server (a fast shutdown: sessions are ended, the data stays). */
    void stop() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not stop the owned PostgreSQL in " + data, e);
        }
    }

    /** @return the JDBC URL of {@code database} as {@code user} */
    String url(String database, String user) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=" + user;
    }

    /** @return the operating-system user the server runs as (owner of its data directory) */
    UserPrincipal osUser() {
        try {
            return Files.getOwner(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code statements} as the superuser in {@code database}, each in its own transaction. */
    void execute(String database, String... statements) {
        try (Connection connection = DriverManager.getConnection(url(database, "postgres"));
                Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("owned server: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        stop();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
