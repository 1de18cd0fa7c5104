package io.lockstep.postgres.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockstep.migrations.LockstepMigrations;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * A fresh PostgreSQL database for one test class, on the server {@link TestServer} resolves:
 * {@code LOCKSTEP_TEST_JDBC_URL} when set, else a Testcontainers container when Docker answers, else an
 * embedded PostgreSQL 17. The database is created empty, migrated with Lockstep's own Flyway scripts,
 * and dropped by {@link #close()}.
 *
 * <pre>{@code
 * static TestDatabase db;
 * @BeforeAll static void createDatabase() { db = TestDatabase.create(); }
 * @AfterAll static void dropDatabase() { db.close(); }
 * }</pre>
 */
public final class TestDatabase implements AutoCloseable {

    private final String name;
    private final String jdbcUrl;
    private final HikariDataSource dataSource;

    private TestDatabase(String name, String jdbcUrl, int poolSize) {
        this.name = name;
        this.jdbcUrl = jdbcUrl;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("test-" + name);
        this.dataSource = new HikariDataSource(config);
    }

    /** Creates and migrates a new database with a pool of 8 connections. */
    public static TestDatabase create() {
        return create(8);
    }

    /** Creates and migrates a new database with a pool of {@code poolSize} connections. */
    public static TestDatabase create(int poolSize) {
        TestServer server = TestServer.get();
        String name = "lockstep_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12)
                .toLowerCase(Locale.ROOT);
        server.execute("CREATE DATABASE " + name);
        TestDatabase database = new TestDatabase(name, server.jdbcUrl(name), poolSize);
        LockstepMigrations.migrate(database.dataSource());
        return database;
    }

    /** @return the database's name */
    public String name() {
        return name;
    }

    /** @return a JDBC URL of this database, user and password included, for child processes */
    public String jdbcUrl() {
        return jdbcUrl;
    }

    /** @return the pooled data source of this database */
    public DataSource dataSource() {
        return dataSource;
    }

    /** Runs SQL statements, each in its own transaction. */
    public void execute(String... statements) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("test SQL failed: " + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code statements} in one transaction that may remove stored events (V6 refuses that otherwise).
     * Only between tests: a log that appended before remembers stream versions the removal takes away.
     */
    public void executeRemovingEvents(String... statements) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            try {
                statement.execute("SET LOCAL lockstep.allow_event_removal = on");
                for (String sql : statements) {
                    statement.execute(sql);
                }
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("test SQL failed: " + e.getMessage(), e);
        }
    }

    /**
     * Empties the event log (events and positions) and moves the sequencer's saved snapshot to now, so the
     * next tick starts from a clean log; also empties {@code moreTables}.
     */
    public void emptyEventLog(String... moreTables) {
        StringBuilder tables = new StringBuilder("lockstep.event_log, lockstep.events");
        for (String table : moreTables) {
            tables.append(", ").append(table);
        }
        executeRemovingEvents("TRUNCATE " + tables,
                "UPDATE lockstep.sequencer_state SET snapshot = pg_current_snapshot()");
    }

    /** @return the single long value {@code sql} selects */
    public long queryLong(String sql) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             var rows = statement.executeQuery(sql)) {
            if (!rows.next()) {
                throw new IllegalStateException("no row for: " + sql);
            }
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("test SQL failed: " + e.getMessage(), e);
        }
    }

    /** @return the single text value {@code sql} selects */
    public String queryString(String sql) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             var rows = statement.executeQuery(sql)) {
            if (!rows.next()) {
                throw new IllegalStateException("no row for: " + sql);
            }
            return rows.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException("test SQL failed: " + e.getMessage(), e);
        }
    }

    /** Opens an unpooled connection (for tests that hold locks or kill sessions). */
    public Connection openConnection() throws SQLException {
        return DriverManager.getConnection(jdbcUrl);
    }

    /** Closes the pool and drops the database. */
    @Override
    public void close() {
        dataSource.close();
        TestServer.get().execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
}
