package io.lockstep.example.accounts.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.example.accounts.AccountsApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The application as its users run it: {@code java -cp <this test's class path> AccountsApplication <args>} in
 * a child JVM, standard output and error in files under {@code target/app-processes/}. The child's environment
 * is this JVM's minus {@code LOCKSTEP_JDBC_URL}, so only the arguments choose the database. Stop it with
 * {@link #terminate()} (SIGTERM) or {@link #kill()} (SIGKILL); {@link #close()} kills what is still running.
 */
public final class AppProcess implements AutoCloseable {

    /**
     * The exit code of a JVM stopped by SIGTERM after its shutdown hooks ran (128 + 15): the application's
     * orderly stop happens in its hook, and the JVM then reports the signal, as Java services do.
     */
    public static final int EXIT_AFTER_SIGTERM = 143;

    /** How long the child gets to start listening, or to exit once signalled. */
    public static final Duration PATIENCE = Duration.ofSeconds(60);

    private static final Pattern LISTENING =
            Pattern.compile("^listening on http://localhost:(\\d+)$", Pattern.MULTILINE);
    private static final Path OUTPUT = Path.of("target", "app-processes");

    private final String label;
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private AppProcess(String label, Process process, Path stdout, Path stderr) {
        this.label = label;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * Starts the application in a child JVM.
     *
     * @param label      names the output files, e.g. {@code simulate-1}
     * @param jvmOptions options before the main class, e.g. {@code -Duser.home=/tmp/x}
     * @param args       the command line the application gets
     */
    public static AppProcess start(String label, List<String> jvmOptions, String... args) {
        return start(label, jvmOptions, java.util.Map.of(), args);
    }

    /**
     * Starts the application in a child JVM with more environment variables.
     *
     * @param environment variables set for the child (on top of this JVM's, minus {@code LOCKSTEP_JDBC_URL})
     */
    public static AppProcess start(
            String label, List<String> jvmOptions, java.util.Map<String, String> environment, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(AccountsApplication.class.getName());
        command.addAll(List.of(args));
        try {
            Files.createDirectories(OUTPUT);
            Path stdout = OUTPUT.resolve(label + ".out");
            Path stderr = OUTPUT.resolve(label + ".err");
            ProcessBuilder builder =
                    new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
            builder.environment().remove("LOCKSTEP_JDBC_URL");
            builder.environment().putAll(environment);
            return new AppProcess(label, builder.start(), stdout, stderr);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the application (" + label + "): " + command, e);
        }
    }

    /** @return the child's process id */
    public long pid() {
        return process.pid();
    }

    /** @return whether the child still runs */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits for the {@code listening on http://localhost:<port>} line {@code serve} prints once it is bound.
     *
     * @return the port
     * @throws AssertionError when the child exits first or does not print it within {@link #PATIENCE}
     */
    public int awaitListening() {
        await("'" + label + "' prints its 'listening on' line")
                .atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> LISTENING.matcher(stdout()).find() || !process.isAlive());
        Matcher listening = LISTENING.matcher(stdout());
        assertThat(listening.find())
                .as("'%s' exited (%s) before listening:%n%s", label, exitDescription(), output())
                .isTrue();
        return Integer.parseInt(listening.group(1));
    }

    /**
     * Sends SIGTERM (what {@code docker stop}, systemd and Ctrl-C's relatives send) and waits for the exit.
     *
     * @return the exit code
     */
    public int terminate() {
        process.destroy();
        return awaitExit();
    }

    /** Sends SIGKILL: no shutdown hook, no finally block, no batch finished. Waits for the exit. */
    public void kill() {
        process.destroyForcibly();
        awaitExit();
    }

    /** @return what the child printed on standard output so far */
    public String stdout() {
        return read(stdout);
    }

    /** @return what the child printed on standard error so far */
    public String stderr() {
        return read(stderr);
    }

    /** @return both output files, for failure messages */
    public String output() {
        return "--- " + stdout + " ---\n" + read(stdout) + "--- " + stderr + " ---\n" + read(stderr);
    }

    /** Kills the child if it still runs (a failed test must not leave it behind). */
    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    private int awaitExit() {
        try {
            assertThat(process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                    .as("'%s' exits within %s of the signal:%n%s", label, PATIENCE, output())
                    .isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for '" + label + "' to exit", e);
        }
        return process.exitValue();
    }

    private String exitDescription() {
        return process.isAlive() ? "still running" : "exit code " + process.exitValue();
    }

    private static String read(Path file) {
        try {
            // Lenient decoding: the child may be halfway through writing a character.
            return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
    }
}
