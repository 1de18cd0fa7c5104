package io.lockstep.example.accounts.app;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import io.lockstep.migrations.LockstepMigrations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The application's PostgreSQL: an existing server ({@code --jdbc-url}), or an embedded PostgreSQL 17 whose
 * data directory persists, so a restart resumes from the stored checkpoints (see {@link DatabaseServer} for
 * who starts and stops it). Opening migrates Lockstep's tables and the application's own; {@link #pool}
 * makes the connection pools the application's parts use, each with its own timeouts ({@link Pools}).
 * Closing closes every pool, then stops the embedded server if this process owns it.
 */
public final class Database implements AutoCloseable {

    /**
     * Where the embedded server keeps its data unless told otherwise: {@code ~/.lockstep/example-accounts/postgres},
     * with {@code ~} the {@code HOME} environment variable as a shell sees it (the JVM's {@code user.home}
     * when it is unset).
     */
    public static final Path DEFAULT_DATA_DIR =
            home().resolve(".lockstep").resolve("example-accounts").resolve("postgres");

    private static final Duration MIGRATION_CONNECTION_TIMEOUT = Duration.ofSeconds(10);

    private final DatabaseServer server;
    private final Deque<HikariDataSource> pools = new ArrayDeque<>();

    private Database(DatabaseServer server) {
        this.server = server;
    }

    /**
     * Connects (starting or taking over the embedded server when no URL is given) and migrates.
     *
     * @param jdbcUrl an existing server, or empty for the embedded one
     * @param dataDir the embedded server's data directory (created when missing)
     * @throws IllegalStateException when the server cannot be started or reached, in one line naming it
     */
    public static Database open(Optional<String> jdbcUrl, Path dataDir) {
        DatabaseServer server = jdbcUrl.<DatabaseServer>map(DatabaseServer.External::new)
                .orElseGet(() -> DatabaseServer.embedded(dataDir));
        Database database = new Database(server);
        try {
            // Flyway holds one connection for its lock and migrates on another.
            try (HikariDataSource migrations = database.connect(
                    new PoolSpec("migrations", 2, MIGRATION_CONNECTION_TIMEOUT, Optional.empty(), Optional.empty()))) {
                LockstepMigrations.migrate(migrations);
                // A history table of its own, so a database shared with other Flyway users stays unambiguous.
                Flyway.configure()
                        .dataSource(migrations)
                        .locations("classpath:db/accounts")
                        .table("accounts_schema_history")
                        .validateMigrationNaming(true)
                        .load()
                        .migrate();
            }
            return database;
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    /**
     * Makes a connection pool, closed with this database.
     *
     * @throws IllegalStateException when no connection can be made, in one line naming the server
     */
    public synchronized DataSource pool(PoolSpec spec) {
        HikariDataSource pool = connect(spec);
        pools.push(pool);
        return pool;
    }

    /** @return whether this process stops the server when it closes (it started or took over the embedded one) */
    public boolean ownsServer() {
        return server instanceof DatabaseServer.Started || server instanceof DatabaseServer.TakenOver;
    }

    /** @return which database this is, for the user (no password) */
    public String description() {
        return server.description();
    }

    /** Closes the pools, then stops the embedded server if this process owns it. */
    @Override
    public synchronized void close() {
        while (!pools.isEmpty()) {
            pools.pop().close();
        }
        server.close();
    }

    private HikariDataSource connect(PoolSpec spec) {
        Objects.requireNonNull(spec, "spec");
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(server.jdbcUrl());
        config.setPoolName("accounts-" + spec.name());
        config.setMaximumPoolSize(spec.size());
        config.setConnectionTimeout(spec.connectionTimeout().toMillis());
        config.setValidationTimeout(Math.max(250, spec.connectionTimeout().toMillis() / 2));
        // Seconds, for the driver: how long opening a socket to an unreachable server may take.
        config.addDataSourceProperty(
                "connectTimeout",
                String.valueOf(Math.max(1, spec.connectionTimeout().toSeconds())));
        spec.sessionSettings().ifPresent(config::setConnectionInitSql);
        try {
            return new HikariDataSource(config);
        } catch (HikariPool.PoolInitializationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException(
                    "could not connect to " + server.description() + ": " + firstLine(cause.getMessage())
                            + " (is the server running? check --jdbc-url)",
                    e);
        }
    }

    /** @return {@code url} with its password masked, for messages */
    public static String withoutPassword(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no reason given";
        }
        int end = message.indexOf('\n');
        return (end < 0 ? message : message.substring(0, end)).strip();
    }

    private static Path home() {
        String home = System.getenv("HOME");
        return Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"));
    }
}
