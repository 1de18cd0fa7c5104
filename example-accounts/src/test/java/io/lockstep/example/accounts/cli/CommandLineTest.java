package io.lockstep.example.accounts.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.example.accounts.AccountsApplication;
import io.lockstep.example.accounts.app.AccountsApp;
import io.lockstep.example.accounts.app.Database;
import io.lockstep.example.accounts.app.Pools;
import io.lockstep.example.accounts.readmodel.AccountsProjection;
import io.lockstep.postgres.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line refuses bad input by name, before it changes or starts anything. */
class CommandLineTest {

    /** Runs a command line, capturing standard error. */
    record Run(int exit, String err) {
        static Run of(String... args) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream original = System.err;
            System.setErr(new PrintStream(err, true));
            try {
                return new Run(AccountsApplication.run(args), err.toString());
            } finally {
                System.setErr(original);
            }
        }
    }

    /** Runs a command line, capturing standard output and error. */
    record Printed(int exit, String out, String err) {
        static Printed of(String... args) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream originalOut = System.out;
            PrintStream originalErr = System.err;
            System.setOut(new PrintStream(out, true));
            System.setErr(new PrintStream(err, true));
            try {
                return new Printed(AccountsApplication.run(args), out.toString(), err.toString());
            } finally {
                System.setOut(originalOut);
                System.setErr(originalErr);
            }
        }
    }

    @Test
    void statusPrintsOneErrorLineWhenTheDatabaseRefusesConnections() throws Exception {
        // given: a port nothing listens on
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }

        // when
        Printed run = Printed.of(
                "status", "--jdbc-url", "jdbc:postgresql://127.0.0.1:" + port + "/accounts?user=me&password=secret");

        // then
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err().strip().lines())
                .hasSize(1)
                .first()
                .asString()
                .startsWith("error: could not connect to PostgreSQL at jdbc:postgresql://127.0.0.1:" + port)
                .contains("refused", "--jdbc-url")
                .doesNotContain("secret");
    }

    @Test
    void statusPrintsOneErrorLineWhenTheOwnersEmbeddedServerStoppedUnderIt(@TempDir Path home) throws Exception {
        // given: this JVM started the embedded server (it owns the directory), then the server stopped
        Path dataDir = home.resolve("postgres");
        Database owner = Database.open(Optional.empty(), dataDir);
        try {
            long pid = Long.parseLong(
                    Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).strip());
            ProcessHandle server = ProcessHandle.of(pid).orElseThrow();
            server.destroy(); // SIGTERM: a smart shutdown, no session is connected
            server.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);

            // when
            Printed run = Printed.of("status", "--data-dir", dataDir.toString());

            // then: one line that says what is wrong and what to do
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.err().strip().lines())
                    .hasSize(1)
                    .first()
                    .asString()
                    .startsWith("error: the embedded PostgreSQL on " + dataDir + " does not answer")
                    .contains("stop that process");
        } finally {
            try {
                owner.close();
            } catch (RuntimeException alreadyStopped) {
                // its server is gone already
            }
        }
    }

    @Test
    void simulateCountsCommandsUnderItsNewNameAndItsOldOne() throws Exception {
        try (TestDatabase db = TestDatabase.create(2)) {
            for (String option : new String[] {"--commands", "--events"}) {
                Printed run = Printed.of(
                        "simulate", option, "7", "--accounts", "2", "--concurrency", "1", "--jdbc-url", db.jdbcUrl());

                assertThat(run.exit()).as(run.err()).isZero();
                assertThat(run.out()).contains("sent 9 commands");
            }
            Printed help = Printed.of("simulate", "--help");
            assertThat(help.out())
                    .contains(
                            "--commands=<commands>", "Commands to send after the openings", "--events, its older name");
        }
    }

    @Test
    void refusesAUrlThatIsNotPostgresJdbcAndMasksItsPassword() {
        Run run = Run.of("status", "--jdbc-url", "postgres://db/accounts?user=me&password=secret");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err())
                .contains("is not a PostgreSQL JDBC URL", "jdbc:postgresql://")
                .doesNotContain("secret");
    }

    @Test
    void refusesADataDirectoryNextToAUrl() {
        Run run = Run.of("status", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/x", "--data-dir", "/tmp/x");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--data-dir /tmp/x", "give one of them");
    }

    @Test
    void refusesAPortOutOfRangeBeforeStartingAnything() {
        Run run = Run.of("serve", "--port", "70000", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/none");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--port 70000", "0..65535");
    }

    @Test
    void refusesNonsenseSimulationSizes() {
        Run run = Run.of("simulate", "--concurrency", "0", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/none");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--concurrency 0", "1..256");
    }

    @Test
    void replayRefusesAPausedProjectionAndChangesNothing() throws Exception {
        try (TestDatabase db = TestDatabase.create(2)) {
            // given: one account projected, then the projection paused
            try (Database database = Database.open(Optional.of(db.jdbcUrl()), Path.of("unused"));
                    AccountsApp app =
                            AccountsApp.start(Pools.open(database, new Pools.Sizes(2, 6, 4)), Duration.ZERO)) {
                app.commands().open(Optional.of("kept"), "ada", 100);
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> app.readModels().account("kept").isPresent());
                app.node().pause(AccountsProjection.NAME);
            }

            // when
            Run run = Run.of("replay", "accounts", "--jdbc-url", db.jdbcUrl());

            // then
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.err()).contains("is paused", "resume it first", "Nothing was changed");
            assertThat(db.queryLong("SELECT count(*) FROM account_balance WHERE account_id = 'kept'"))
                    .isOne();
            assertThat(db.queryLong(
                            "SELECT max(position) FROM lockstep.checkpoints WHERE projection LIKE 'accounts[%'"))
                    .isOne();
        }
    }
}
