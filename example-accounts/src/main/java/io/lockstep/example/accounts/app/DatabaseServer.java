package io.lockstep.example.accounts.app;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the application's PostgreSQL runs and who stops it. With a data directory, whichever process starts
 * the embedded server owns it and stops it on exit; a process started while the owner lives connects as a
 * guest and leaves the server alone; a process started after the owner was killed (SIGKILL runs no
 * shutdown, so its server kept running, maybe with guests still connected) takes the server over and stops
 * it on exit.
 */
sealed interface DatabaseServer extends AutoCloseable {

    /** How long stopping an embedded server may take. */
    Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    /** @return the JDBC URL to connect with */
    String jdbcUrl();

    /** @return which server this is, for the user (no password) */
    String description();

    /** Stops the server when this process owns it; otherwise does nothing. */
    @Override
    void close();

    /** An existing server ({@code --jdbc-url}): never stopped by the application. */
    record External(String jdbcUrl) implements DatabaseServer {
        @Override
        public String description() {
            return "PostgreSQL at " + Database.withoutPassword(jdbcUrl);
        }

        @Override
        public void close() {}
    }

    /** The embedded server another live process owns. */
    record Guest(String jdbcUrl, Path dataDir) implements DatabaseServer {
        @Override
        public String description() {
            return "the embedded PostgreSQL another process runs on " + dataDir + " (" + jdbcUrl
                    + "; it stops when that process stops)";
        }

        @Override
        public void close() {}
    }

    /** The embedded server this process started. */
    record Started(EmbeddedPostgres embedded, Path dataDir) implements DatabaseServer {
        @Override
        public String jdbcUrl() {
            return embedded.getJdbcUrl("postgres", "postgres");
        }

        @Override
        public String description() {
            return "embedded PostgreSQL 17, data in " + dataDir;
        }

        @Override
        public void close() {
            try {
                embedded.close(); // pg_ctl stop -m fast
            } catch (IOException e) {
                System.err.println("could not stop the embedded PostgreSQL on " + dataDir + ": " + e.getMessage());
            }
        }
    }

    /** The embedded server a killed process left running, adopted by this process. */
    record TakenOver(String jdbcUrl, DataDirectory directory, FileLock ownership) implements DatabaseServer {
        @Override
        public String description() {
            return "embedded PostgreSQL 17, data in " + directory.path() + " (taken over from a process that was"
                    + " killed; it stops when this process stops)";
        }

        @Override
        public void close() {
            try {
                directory.stopServer(STOP_TIMEOUT);
            } catch (IllegalStateException e) {
                System.err.println(e.getMessage());
            } finally {
                try {
                    ownership.channel().close(); // releases the lock
                } catch (IOException e) {
                    System.err.println("could not release " + directory.path() + "/epg-lock: " + e.getMessage());
                }
            }
        }
    }

    /**
     * Connects to the embedded server on {@code dataDir}: joins the one a live process owns, takes over one
     * whose owner was killed, or starts one (creating the directory when missing). Processes starting at the
     * same moment take turns through a lock on {@code <dataDir>.lock} beside the directory, so exactly one
     * starts the server and the others join it.
     */
    static DatabaseServer embedded(Path dataDir) {
        Path startLock = dataDir.resolveSibling(dataDir.getFileName() + ".lock");
        try {
            Files.createDirectories(dataDir);
            try (FileChannel channel =
                            FileChannel.open(startLock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = channel.lock()) {
                return attachOrStart(dataDir);
            }
        } catch (IOException e) {
            throw new IllegalStateException(
                    "could not lock " + startLock + " to start the embedded PostgreSQL: " + e.getMessage()
                            + "; pass --data-dir for a directory this user may write to",
                    e);
        }
    }

    private static DatabaseServer attachOrStart(Path dataDir) {
        DataDirectory directory = new DataDirectory(dataDir);
        Optional<String> running = directory.runningServer();
        if (running.isPresent()) {
            Optional<FileLock> ownership = directory.takeOver();
            if (ownership.isEmpty()) {
                return new Guest(running.get(), dataDir);
            }
            // Taken over only while it still answers: it may have stopped between the two checks.
            if (directory.runningServer().isPresent()) {
                return new TakenOver(running.get(), directory, ownership.get());
            }
            release(ownership.get());
        } else {
            // No server answers: start one, unless a live process owns the directory (its server stopped or
            // crashed under it), which starting here could only fail to lock. (A directory never used has no
            // lock file, and initdb needs it empty: the file is not created here.)
            if (Files.exists(dataDir.resolve("epg-lock"))) {
                Optional<FileLock> ownership = directory.takeOver();
                if (ownership.isEmpty()) {
                    throw new IllegalStateException("the embedded PostgreSQL on " + dataDir + " does not answer, and"
                            + " the process that started it still runs: stop that process (serve, simulate or"
                            + " replay) and start again");
                }
                release(ownership.get());
            }
        }
        return new Started(start(dataDir), dataDir);
    }

    private static EmbeddedPostgres start(Path dataDir) {
        try {
            return EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    // The library's defaults trade durability for test speed; an acknowledged command must
                    // survive a crash of the machine, as it would on a real server.
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setRegisterShutdownHook(false) // stopped by close(), after the application
                    .start();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(
                    "could not start the embedded PostgreSQL in " + dataDir + ": " + e.getMessage()
                            + "; pass --data-dir for another directory, or --jdbc-url for an existing server",
                    e);
        }
    }

    private static void release(FileLock lock) {
        try {
            lock.channel().close();
        } catch (IOException e) {
            System.err.println("could not release an embedded server's lock: " + e.getMessage());
        }
    }
}
