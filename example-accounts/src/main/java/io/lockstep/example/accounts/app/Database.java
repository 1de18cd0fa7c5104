package io.lockstep.example.accounts.app;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockstep.migrations.LockstepMigrations;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The application's PostgreSQL: an existing server ({@code --jdbc-url}), or an embedded PostgreSQL 17 whose
 * data directory persists, so a restart resumes from the stored checkpoints. A second process pointed at the
 * same data directory while the first runs connects to the server the first started. Opening migrates
 * Lockstep's tables and the application's read models.
 */
public final class Database implements AutoCloseable {

    /** Where the embedded server keeps its data unless told otherwise. */
    public static final Path DEFAULT_DATA_DIR = Path.of(System.getProperty("user.home"), ".lockstep",
            "example-accounts", "postgres");

    private final HikariDataSource dataSource;
    private final EmbeddedPostgres embedded;
    private final String description;

    private Database(HikariDataSource dataSource, EmbeddedPostgres embedded, String description) {
        this.dataSource = dataSource;
        this.embedded = embedded;
        this.description = description;
    }

    /**
     * Connects (starting the embedded server when no URL is given) and migrates.
     *
     * @param jdbcUrl  an existing server, or empty for the embedded one
     * @param dataDir  the embedded server's data directory (created when missing)
     * @param poolSize connections in the pool
     */
    public static Database open(Optional<String> jdbcUrl, Path dataDir, int poolSize) {
        EmbeddedPostgres embedded = null;
        String url;
        String description;
        if (jdbcUrl.isPresent()) {
            url = jdbcUrl.get();
            description = "PostgreSQL at " + withoutPassword(url);
        } else {
            Optional<String> running = runningServer(dataDir);
            if (running.isPresent()) {
                url = running.get();
                description = "the embedded PostgreSQL already running on " + dataDir + " (" + url + ")";
            } else {
                embedded = startEmbedded(dataDir);
                url = embedded.getJdbcUrl("postgres", "postgres");
                description = "embedded PostgreSQL 17, data in " + dataDir;
            }
        }
        HikariDataSource dataSource = null;
        try {
            dataSource = pool(url, poolSize);
            LockstepMigrations.migrate(dataSource);
            Flyway.configure().dataSource(dataSource).locations("classpath:db/accounts").load().migrate();
            return new Database(dataSource, embedded, description);
        } catch (RuntimeException e) {
            if (dataSource != null) {
                dataSource.close();
            }
            closeQuietly(embedded);
            throw e;
        }
    }

    /** @return the pool */
    public DataSource dataSource() {
        return dataSource;
    }

    /** @return which database this is, for the user (no password) */
    public String description() {
        return description;
    }

    /** Closes the pool, then stops the embedded server if this process started it. */
    @Override
    public void close() {
        dataSource.close();
        closeQuietly(embedded);
    }

    private static EmbeddedPostgres startEmbedded(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            return EmbeddedPostgres.builder().setDataDirectory(dataDir).setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false) // stopped by close(), after the application
                    .start();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("could not start the embedded PostgreSQL in " + dataDir + ": " + e.getMessage()
                    + ". Pass --data-dir for another directory, or --jdbc-url for an existing server", e);
        }
    }

    /**
     * A server another process started on {@code dataDir}: PostgreSQL writes its port to the fourth line of
     * {@code postmaster.pid}.
     */
    private static Optional<String> runningServer(Path dataDir) {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return Optional.empty();
        }
        try {
            List<String> lines = Files.readAllLines(pidFile);
            if (lines.size() < 4) {
                return Optional.empty();
            }
            String url = "jdbc:postgresql://localhost:" + Integer.parseInt(lines.get(3).strip()) + "/postgres?user=postgres";
            try (Connection ignored = DriverManager.getConnection(url)) {
                return Optional.of(url);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + pidFile, e);
        } catch (NumberFormatException | SQLException e) {
            return Optional.empty(); // a stale pid file: the server is not running
        }
    }

    private static HikariDataSource pool(String url, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("accounts");
        return new HikariDataSource(config);
    }

    private static String withoutPassword(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    private static void closeQuietly(EmbeddedPostgres embedded) {
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                System.err.println("could not stop the embedded PostgreSQL: " + e.getMessage());
            }
        }
    }
}
