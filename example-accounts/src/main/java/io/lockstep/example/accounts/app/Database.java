package io.lockstep.example.accounts.app;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockstep.migrations.LockstepMigrations;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The application's PostgreSQL: an existing server ({@code --jdbc-url}), or an embedded PostgreSQL 17 whose
 * data directory persists, so a restart resumes from the stored checkpoints. A second process pointed at the
 * same data directory while the first runs connects to the server the first started; a server whose process
 * was killed (SIGKILL runs no shutdown) is stopped and started again under this process. Opening migrates
 * Lockstep's tables and the application's read models.
 */
public final class Database implements AutoCloseable {

    /** Where the embedded server keeps its data unless told otherwise. */
    public static final Path DEFAULT_DATA_DIR = Path.of(System.getProperty("user.home"), ".lockstep",
            "example-accounts", "postgres");

    /** How long the pool waits for a connection before the caller's operation fails. */
    static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);

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
            DataDirectory directory = new DataDirectory(dataDir);
            Optional<String> running = directory.runningServer();
            if (running.isPresent() && (directory.ownerAlive() || DataDirectory.inUse(running.get()))) {
                url = running.get();
                description = "the embedded PostgreSQL another process runs on " + dataDir + " (" + url + ")";
            } else {
                if (running.isPresent()) {
                    System.out.println("stopping the embedded PostgreSQL a killed process left running on " + dataDir);
                    directory.stopOrphan(Duration.ofSeconds(60));
                }
                embedded = startEmbedded(dataDir);
                url = embedded.getJdbcUrl("postgres", "postgres");
                description = "embedded PostgreSQL 17, data in " + dataDir;
            }
        }
        HikariDataSource dataSource = null;
        try {
            dataSource = pool(url, poolSize);
            LockstepMigrations.migrate(dataSource);
            // A history table of its own, so a database shared with other Flyway users stays unambiguous.
            Flyway.configure().dataSource(dataSource).locations("classpath:db/accounts")
                    .table("accounts_schema_history").validateMigrationNaming(true).load().migrate();
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
                    // The library's defaults trade durability for test speed; an acknowledged command must
                    // survive a crash of the machine, as it would on a real server.
                    .setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on")
                    .setRegisterShutdownHook(false) // stopped by close(), after the application
                    .start();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("could not start the embedded PostgreSQL in " + dataDir + ": " + e.getMessage()
                    + ". If another process is starting it right now, wait and try again; otherwise pass --data-dir"
                    + " for another directory, or --jdbc-url for an existing server", e);
        }
    }

    private static HikariDataSource pool(String url, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("accounts");
        // An outage shows as STALLED (and /health as DOWN) within seconds, not after HikariCP's default 30 s
        // wait for a connection that never comes.
        config.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
        return new HikariDataSource(config);
    }

    /** @return {@code url} with its password masked, for messages */
    public static String withoutPassword(String url) {
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
