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
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh PostgreSQL database for one test class, on the server {@link TestServer} resolves:
 * {@code LOCKSTEP_TEST_JDBC_URL} when set, else a Testcontainers container when Docker answers, else an
 * embedded PostgreSQL 17. The database is created empty, migrated with Lockstep's own Flyway scripts,
 * and dropped by {@link #close()}.
 *
 * <p>As a JUnit extension it lives as long as its test class: created before the class's {@code @BeforeAll}
 * methods, dropped after its {@code @AfterAll} methods.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final TestDatabase db = TestDatabase.perClass();
 * }</pre>
 */
public final class TestDatabase implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    private final int poolSize;
    private String name;
    private String jdbcUrl;
    private HikariDataSource dataSource;
    /** The test classes running with this database: the registering class and its nested classes. */
    private int openClasses;

    private TestDatabase(int poolSize) {
        this.poolSize = poolSize;
    }

    /** Creates and migrates a new database with a pool of 8 connections. */
    public static TestDatabase create() {
        return create(8);
    }

    /** Creates and migrates a new database with a pool of {@code poolSize} connections. */
    public static TestDatabase create(int poolSize) {
        TestDatabase database = new TestDatabase(poolSize);
        database.open();
        return database;
    }

    /** @return a database with a pool of 8 connections for {@code @RegisterExtension} on a static field */
    public static TestDatabase perClass() {
        return perClass(8);
    }

    /** @return a database with a pool of {@code poolSize} connections for {@code @RegisterExtension} */
    public static TestDatabase perClass(int poolSize) {
        return new TestDatabase(poolSize);
    }

    private void open() {
        TestServer server = TestServer.get();
        name = "lockstep_test_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        server.execute("CREATE DATABASE " + name);
        jdbcUrl = server.jdbcUrl(name);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("test-" + name);
        dataSource = new HikariDataSource(config);
        LockstepMigrations.migrate(dataSource);
    }

    /**
     * Opens the database for the class that registered it. {@code @Nested} classes inherit the extension, so
     * JUnit calls this again for each of them: they share the enclosing class's database.
     */
    @Override
    public void beforeAll(ExtensionContext context) {
        if (openClasses++ == 0) {
            open();
        }
    }

    /** Drops the database after the class that registered it (not after each {@code @Nested} class). */
    @Override
    public void afterAll(ExtensionContext context) {
        if (--openClasses == 0) {
            close();
        }
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
        if (dataSource == null) {
            throw new IllegalStateException("test database " + name + " is not open: register TestDatabase.perClass()"
                    + " on a static field with @RegisterExtension, or use TestDatabase.create()");
        }
        return dataSource;
    }

    /** Runs SQL statements, each in its own transaction. */
    public void execute(String... statements) {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
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
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
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
        executeRemovingEvents(
                "TRUNCATE " + tables, "UPDATE lockstep.sequencer_state SET snapshot = pg_current_snapshot()");
    }

    /** @return the single long value {@code sql} selects */
    public long queryLong(String sql) {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
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
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                var rows = statement.executeQuery(sql)) {
            if (!rows.next()) {
                throw new IllegalStateException("no row for: " + sql);
            }
            return rows.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException("test SQL failed: " + e.getMessage(), e);
        }
    }

    /**
     * Reads this database's transaction counters from {@code pg_stat_database}, through the administration
     * database so that reading them counts no transaction here. Backends report their counts about once a
     * second while active (within 10 s once idle).
     *
     * @return committed transactions, then rolled-back ones
     */
    public long[] transactionCounts() {
        return TestServer.get()
                .queryLongs(
                        "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = '" + name + "'", 2);
    }

    /** Opens an unpooled connection (for tests that hold locks or kill sessions). */
    public Connection openConnection() throws SQLException {
        return DriverManager.getConnection(jdbcUrl);
    }

    /** Closes the pool and drops the database; does nothing when it was never created or is closed. */
    @Override
    public void close() {
        if (dataSource == null) {
            return;
        }
        dataSource.close();
        dataSource = null;
        TestServer.get().execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
}
