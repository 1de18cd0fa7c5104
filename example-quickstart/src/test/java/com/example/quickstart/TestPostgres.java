package com.example.quickstart;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * A fresh, empty database for a test class: created on the server at {@code LOCKSTEP_TEST_JDBC_URL} when that
 * is set (a user that may create databases, e.g. {@code jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres}),
 * else on an embedded PostgreSQL started for the test. Users with Docker can use Testcontainers' PostgreSQL
 * module the same way.
 */
final class TestPostgres implements AutoCloseable {

    private final EmbeddedPostgres embedded;
    private final String adminUrl;
    private final String name;
    private final HikariDataSource pool;

    private TestPostgres(EmbeddedPostgres embedded, String adminUrl, String name, String url) {
        this.embedded = embedded;
        this.adminUrl = adminUrl;
        this.name = name;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(4);
        this.pool = new HikariDataSource(config);
    }

    static TestPostgres start() throws IOException, SQLException {
        String server = System.getenv("LOCKSTEP_TEST_JDBC_URL");
        if (server == null || server.isBlank()) {
            EmbeddedPostgres embedded = EmbeddedPostgres.builder().start();
            return new TestPostgres(embedded, null, null, embedded.getJdbcUrl("postgres", "postgres"));
        }
        String name = "quickstart_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        execute(server, "CREATE DATABASE " + name);
        return new TestPostgres(null, server, name, withDatabase(server, name));
    }

    DataSource dataSource() {
        return pool;
    }

    @Override
    public void close() throws IOException, SQLException {
        pool.close();
        if (embedded != null) {
            embedded.close();
        } else {
            execute(adminUrl, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    /** {@code jdbc:postgresql://host:port/db?params} with {@code db} replaced by {@code database}. */
    private static String withDatabase(String url, String database) {
        int query = url.indexOf('?');
        String base = query < 0 ? url : url.substring(0, query);
        String params = query < 0 ? "" : url.substring(query);
        return base.substring(0, base.lastIndexOf('/') + 1) + database + params;
    }

    private static void execute(String url, String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
