package io.lockstep.example.accounts.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.example.accounts.AccountsApplication;
import io.lockstep.example.accounts.support.AppProcess;
import io.lockstep.example.accounts.support.Http;
import io.lockstep.example.accounts.support.LogFold;
import io.lockstep.example.accounts.support.Projected;
import io.lockstep.postgres.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code replay accounts} while {@code serve} runs on the same database: both nodes rebuild (they share the
 * partitions), each batch committed by one of them; replay's summary counts what the log holds and what was
 * rebuilt, and splits the work between itself and the other node truthfully.
 */
class ReplayWhileServingTest {

    private static final Pattern SUMMARY = Pattern.compile("replayed accounts: the log holds ([0-9,]+) events \\(head"
            + " position ([0-9,]+)\\)(?: and [0-9,]+ more waiting for a position)?; rebuilt from ([0-9,]+) of them in"
            + " [0-9.]+ s \\([0-9,]+ events/s\\), checkpoint"
            + " ([0-9,]+): ([0-9,]+) applied by this process, ([0-9,]+) by another runner");

    @Test
    void reportsWhatTheLogHoldsAndWhatWasRebuiltByWhomWhileServeRuns() throws Exception {
        try (TestDatabase db = TestDatabase.create(2)) {
            // given: a log of some thousands of events, and serve running on it, caught up
            assertThat(AccountsApplication.run(
                            "simulate",
                            "--jdbc-url",
                            db.jdbcUrl(),
                            "--accounts",
                            "100",
                            "--commands",
                            "5000",
                            "--concurrency",
                            "4"))
                    .isZero();
            try (AppProcess serve =
                    AppProcess.start("replay-serve", List.of(), "serve", "--port", "0", "--jdbc-url", db.jdbcUrl())) {
                Http http = new Http(serve.awaitListening());
                long before = processedByServe(http);

                // when: replay runs while a client keeps depositing through serve, so serve's runner stays awake
                AtomicBoolean replaying = new AtomicBoolean(true);
                Thread client = Thread.ofVirtual().start(() -> deposit(http, replaying));
                String printed;
                try {
                    printed = replay(db);
                } finally {
                    replaying.set(false);
                    client.join();
                }

                // then: the summary adds up, from the stored checkpoint
                Matcher summary = SUMMARY.matcher(printed.replace("\r", "\n"));
                assertThat(summary.find()).as(printed).isTrue();
                long rebuilt = number(summary.group(3));
                long here = number(summary.group(5));
                long elsewhere = number(summary.group(6));
                assertThat(number(summary.group(4))).isEqualTo(rebuilt);
                assertThat(number(summary.group(1)))
                        .isGreaterThanOrEqualTo(rebuilt)
                        .isGreaterThan(4_000);
                assertThat(here + elsewhere).isEqualTo(rebuilt);
                await("serve catches up").atMost(AppProcess.PATIENCE).until(() -> caughtUp(db));
                long byServe = processedByServe(http) - before;
                // How the work was shared depends on timing (serve's runner joins when it wakes): print it.
                System.out.printf("replay applied %d events, serve %d (of %d rebuilt)%n", here, byServe, rebuilt);
                assertThat(elsewhere)
                        .as("events of the rebuild serve committed")
                        .isLessThanOrEqualTo(byServe);

                // and the read models equal the fold of the log
                LogFold fold = LogFold.of(db.dataSource());
                assertThat(LogFold.differences(fold.accounts(), LogFold.accountBalance(db.dataSource())))
                        .isEmpty();
                assertThat(LogFold.differences(fold.owners(), LogFold.ownerSummary(db.dataSource())))
                        .isEmpty();
                assertThat(serve.terminate()).isEqualTo(AppProcess.EXIT_AFTER_SIGTERM);
            }
        }
    }

    private static String replay(TestDatabase db) {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            assertThat(AccountsApplication.run("replay", "accounts", "--jdbc-url", db.jdbcUrl()))
                    .isZero();
        } finally {
            System.setOut(stdout);
        }
        return printed.toString(StandardCharsets.UTF_8);
    }

    private static void deposit(Http http, AtomicBoolean replaying) {
        try {
            String id = http.post("/accounts", "{\"owner\": \"rita\", \"initialDeposit\": 1}")
                    .json()
                    .get("accountId")
                    .asText();
            while (replaying.get()) {
                assertThat(http.post("/accounts/" + id + "/deposits", "{\"amount\": 1}")
                                .status())
                        .isIn(200, 202);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Events serve's runners committed, every partition it ran (also those it handed to replay meanwhile). */
    private static long processedByServe(Http http) throws Exception {
        return (long) Projected.sum(http.get("/metrics").body(), "lockstep_projection_events_total");
    }

    private static boolean caughtUp(TestDatabase db) throws Exception {
        return Projected.caughtUp(db.dataSource());
    }

    private static long number(String text) {
        return Long.parseLong(text.replace(",", ""));
    }
}
