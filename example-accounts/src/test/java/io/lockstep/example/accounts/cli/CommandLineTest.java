package io.lockstep.example.accounts.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.example.accounts.AccountsApplication;
import io.lockstep.example.accounts.app.AccountsApp;
import io.lockstep.example.accounts.app.Database;
import io.lockstep.example.accounts.app.Pools;
import io.lockstep.postgres.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

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

    @Test
    void refusesAUrlThatIsNotPostgresJdbcAndMasksItsPassword() {
        Run run = Run.of("status", "--jdbc-url", "postgres://db/accounts?user=me&password=secret");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("is not a PostgreSQL JDBC URL", "jdbc:postgresql://").doesNotContain("secret");
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
                 AccountsApp app = AccountsApp.start(Pools.open(database, new Pools.Sizes(2, 6, 4)), Duration.ZERO)) {
                app.commands().open(Optional.of("kept"), "ada", 100);
                await().atMost(Duration.ofSeconds(30)).until(() -> app.readModels().account("kept").isPresent());
                app.runner().pause();
            }

            // when
            Run run = Run.of("replay", "accounts", "--jdbc-url", db.jdbcUrl());

            // then
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.err()).contains("is paused", "resume it first", "Nothing was changed");
            assertThat(db.queryLong("SELECT count(*) FROM account_balance WHERE account_id = 'kept'")).isOne();
            assertThat(db.queryLong("SELECT position FROM lockstep.checkpoints WHERE projection = 'accounts'")).isOne();
        }
    }
}
