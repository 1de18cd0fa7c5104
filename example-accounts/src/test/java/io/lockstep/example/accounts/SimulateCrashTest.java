package io.lockstep.example.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.example.accounts.app.Database;
import io.lockstep.example.accounts.support.AppProcess;
import io.lockstep.example.accounts.support.Http;
import io.lockstep.example.accounts.support.LogFold;
import io.lockstep.example.accounts.support.StatusOutput;
import io.lockstep.postgres.testing.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Exactly-once through the whole application: {@code simulate} runs in a child JVM and is killed with SIGKILL
 * while clients append and the projection commits batches, three times, at different points; then {@code serve}
 * resumes. Once the projection has reached the end of the log, {@code account_balance} and
 * {@code owner_summary} must equal the fold of the log computed here. A batch lost in a crash leaves rows
 * behind the log; a batch applied twice (read-model writes committed without their checkpoint) counts
 * movements twice. A kill rarely lands in the instant between two separate commits, so a {@link CommitWatch}
 * also checks, all along, that no snapshot shows the read models and the checkpoint apart. The processes run the
 * projection in 1 partition, so that one checkpoint covers every row and the watch can compare them, with a 5 s
 * lease, so that each run takes the partition over from the killed one within about 6 s (partitions over
 * processes: {@link TwoServeProcessesTest}).
 */
class SimulateCrashTest {

    /**
     * Accounts each simulate run opens. With the simulation's 1% closings an account takes about 100 events
     * until it is closed, after which every command to it is refused: 50 accounts stop appending after about
     * 5,000 events, too close to a 2,000 checkpoint to be sure the kill lands while events still arrive; 500
     * keep appending for about 50,000.
     */
    private static final int ACCOUNTS = 500;

    private static final Duration PATIENCE = Duration.ofSeconds(90);

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(4);

    @BeforeAll
    static void createTables() {
        // The read-model tables, so the watch can query them before the first child has migrated.
        Database.open(Optional.of(db.jdbcUrl()), Path.of("unused")).close();
    }

    final CommitWatch watch = new CommitWatch();

    /** Where a SIGKILL landed. */
    record Kill(long checkpoint, long storedEvents, long sequencedEvents) {}

    @Test
    void readModelsEqualTheFoldOfTheLogAfterSimulateIsKilledThreeTimesAndServeResumes() throws Exception {
        // given: simulate SIGKILLed three times while its clients append (each run opens new accounts for the
        // same owners): once its projection has committed 2,000 events; once the next run has projected 3,000
        // events past where the first stopped; once the run after has committed its first batch
        List<Kill> kills = new ArrayList<>();
        kills.add(simulateAndKill("simulate-1", 2_000));
        kills.add(simulateAndKill("simulate-2", kills.get(0).checkpoint() + 3_000));
        kills.add(simulateAndKill("simulate-3", kills.get(1).checkpoint()));
        Kill last = kills.get(2);

        // when: the application restarts and catches up
        try (AppProcess serve = AppProcess.start(
                "crash-serve",
                List.of(),
                "serve",
                "--port",
                "0",
                "--jdbc-url",
                db.jdbcUrl(),
                "--partitions",
                "1",
                "--lease",
                "5s")) {
            Http http = new Http(serve.awaitListening());
            long started = System.nanoTime();
            await("the projection reaches the end of the log, every committed event sequenced")
                    .atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> watch.sample() && caughtUp());
            System.out.printf(
                    "serve: caught up %d events after %.1f s; %d commit snapshots in all%n",
                    storedEvents() - last.checkpoint(), (System.nanoTime() - started) / 1e9, watch.samples());
            long head = db.queryLong("SELECT max(position) FROM lockstep.event_log");
            await("serve's runner reports the checkpoint it committed")
                    .atMost(PATIENCE)
                    .until(() -> projection(http).get("checkpoint").asLong() == head);
            long committedByServe = projection(http).get("eventsProcessed").asLong();
            assertThat(StatusOutput.of(db.jdbcUrl()))
                    .as("status finds the partition count serve runs with")
                    .contains("CAUGHT_UP", "1 partitions over 1 node(s)");
            assertThat(StatusOutput.of(db.jdbcUrl(), "--partitions", "2"))
                    .contains("note: the processes run accounts in 1 partitions; shown in 2 as asked");

            // then: the read models are the fold of the log, every column
            LogFold fold = LogFold.of(db.dataSource());
            assertThat(fold.violations()).as("account stream rules").isEmpty();
            // a close is rare (the simulation closes an account about once in 4,000 commands): it may not occur
            assertThat(fold.eventTypes())
                    .as("events in the log by type")
                    .containsKeys("AccountCreated", "FundsDeposited", "FundsWithdrawn")
                    .satisfies(types -> assertThat(types.keySet())
                            .isSubsetOf("AccountCreated", "FundsDeposited", "FundsWithdrawn", "AccountClosed"));
            assertThat(fold.accounts()).as("accounts opened by the three runs").hasSizeGreaterThan(2 * ACCOUNTS);
            assertThat(LogFold.differences(fold.accounts(), LogFold.accountBalance(db.dataSource())))
                    .as("account_balance rows that differ from the fold of the log")
                    .isEmpty();
            assertThat(LogFold.differences(fold.owners(), LogFold.ownerSummary(db.dataSource())))
                    .as("owner_summary rows that differ from the fold of the log")
                    .isEmpty();
            assertThat(db.queryLong("SELECT count(*) FROM account_balance WHERE balance < 0"))
                    .isZero();

            // and no snapshot, taken while the runs committed, showed read-model writes without their checkpoint
            assertThat(watch.torn())
                    .as(
                            "of %d snapshots, those where the checkpoint and the newest read-model"
                                    + " positions differ",
                            watch.samples())
                    .isEmpty();

            // and serve resumed from the last stored checkpoint: it committed exactly the events after it
            assertThat(head).isEqualTo(db.queryLong("SELECT count(*) FROM lockstep.event_log"));
            assertThat(last.checkpoint()).as("checkpoint at the last kill").isLessThan(head);
            assertThat(committedByServe).as("events serve committed").isEqualTo(head - last.checkpoint());

            // and SIGTERM stops it gracefully
            assertThat(serve.terminate())
                    .as("serve's exit code after SIGTERM:%n%s", serve.output())
                    .isEqualTo(AppProcess.EXIT_AFTER_SIGTERM);
        }
    }

    /**
     * Runs {@code simulate} until the projection's checkpoint passes {@code checkpointTarget} and appends are
     * still arriving, then SIGKILLs it.
     */
    private Kill simulateAndKill(String label, long checkpointTarget) {
        long started = System.nanoTime();
        try (AppProcess simulate = AppProcess.start(
                label,
                List.of(),
                "simulate",
                "--jdbc-url",
                db.jdbcUrl(),
                "--accounts",
                String.valueOf(ACCOUNTS),
                "--commands",
                "200000",
                "--concurrency",
                "8",
                "--partitions",
                "1",
                "--lease",
                "5s")) {
            await(label + " projects past position " + checkpointTarget)
                    .atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> watch.sample() && (checkpoint() > checkpointTarget || !simulate.isAlive()));
            long stored = storedEvents();
            await(label + " still appends")
                    .atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> watch.sample() && (storedEvents() > stored || !simulate.isAlive()));
            assertThat(simulate.isAlive())
                    .as("%s runs until killed:%n%s", label, simulate.output())
                    .isTrue();
            simulate.kill();
        }
        Kill kill = new Kill(checkpoint(), storedEvents(), db.queryLong("SELECT count(*) FROM lockstep.event_log"));
        System.out.printf(
                "%s: SIGKILL after %.1f s at checkpoint %d, %d events stored, %d sequenced%n",
                label,
                (System.nanoTime() - started) / 1e9,
                kill.checkpoint(),
                kill.storedEvents(),
                kill.sequencedEvents());
        return kill;
    }

    /**
     * Samples, each in one statement's snapshot, the checkpoint and the newest position in each read model.
     * Every event sets an {@code account_balance} row's and an {@code owner_summary} row's
     * {@code last_position} to its position, in the transaction that moves the checkpoint to the batch's last
     * position, so every snapshot must show the three equal. A batch whose read-model writes commit apart from
     * its checkpoint shows them apart for as long as the gap lasts, crash or no crash.
     */
    static final class CommitWatch {

        private static final String SNAPSHOT = """
                SELECT coalesce((SELECT position FROM lockstep.checkpoints WHERE projection = 'accounts'), -1),
                       coalesce((SELECT max(last_position) FROM account_balance), -1),
                       coalesce((SELECT max(last_position) FROM owner_summary), -1)""";

        private final List<String> torn = new ArrayList<>();
        private int samples;

        /** Takes a snapshot. @return true, to be chained in a wait condition */
        boolean sample() throws SQLException {
            try (Connection connection = db.dataSource().getConnection();
                    Statement statement = connection.createStatement();
                    ResultSet row = statement.executeQuery(SNAPSHOT)) {
                row.next();
                long checkpoint = row.getLong(1);
                long accounts = row.getLong(2);
                long owners = row.getLong(3);
                samples++;
                if (accounts != checkpoint || owners != checkpoint) {
                    torn.add("checkpoint " + checkpoint + ", account_balance at " + accounts + ", owner_summary at "
                            + owners);
                }
            }
            return true;
        }

        List<String> torn() {
            return torn;
        }

        int samples() {
            return samples;
        }
    }

    private static JsonNode projection(Http http) throws Exception {
        Http.Response response = http.get("/projections");
        assertThat(response.status())
                .as("GET /projections: %s", response.body())
                .isEqualTo(200);
        return response.json().get("projections").get(0);
    }

    private static long checkpoint() {
        return db.queryLong(
                "SELECT coalesce(max(position), -1) FROM lockstep.checkpoints WHERE projection = 'accounts'");
    }

    private static long storedEvents() {
        return db.queryLong("SELECT count(*) FROM lockstep.events");
    }

    private static boolean caughtUp() {
        return db.queryLong("""
                SELECT CASE WHEN (SELECT count(*) FROM lockstep.events) = (SELECT count(*) FROM lockstep.event_log)
                             AND (SELECT position FROM lockstep.checkpoints WHERE projection = 'accounts')
                               = (SELECT max(position) FROM lockstep.event_log)
                            THEN 1 ELSE 0 END""") == 1;
    }
}
