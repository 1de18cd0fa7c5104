package io.lockstep.example.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.example.accounts.support.AppProcess;
import io.lockstep.example.accounts.support.Http;
import io.lockstep.example.accounts.support.Http.Response;
import io.lockstep.postgres.testing.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A client that lost its answer in a crash retries safely with its {@code Idempotency-Key}: {@code serve} (a
 * child JVM) is killed with SIGKILL after a deposit's transaction committed and before it answered; the
 * deposit retried with the key against the restarted application answers the first outcome, and the account
 * holds one deposit. The window between commit and answer is held open by holding the sequencer's row lock:
 * the command waits for its event's position before answering.
 */
class IdempotentRetryAfterCrashTest {

    @Test
    void aDepositRetriedWithItsKeyAfterServeWasKilledBetweenCommitAndAnswerIsStoredOnce() throws Exception {
        try (TestDatabase db = TestDatabase.create(2)) {
            String key = UUID.randomUUID().toString();
            CompletableFuture<HttpResponse<String>> lost;
            try (AppProcess first = serve(db, "key-crash-first")) {
                Http http = new Http(first.awaitListening());
                assertThat(http.post(
                                        "/accounts",
                                        "{\"owner\": \"kai\", \"initialDeposit\": 100, \"accountId\": \"kc-1\"}")
                                .status())
                        .isEqualTo(201);

                // given: the sequencer held up, so a command commits and then waits for its position
                try (Connection holder = db.openConnection();
                        Statement hold = holder.createStatement()) {
                    holder.setAutoCommit(false);
                    hold.execute("SELECT 1 FROM lockstep.sequencer_state WHERE id = 1 FOR UPDATE");

                    // when: a keyed deposit commits, and serve is killed before it answers
                    lost = HttpClient.newHttpClient()
                            .sendAsync(
                                    HttpRequest.newBuilder(URI.create(
                                                    "http://127.0.0.1:" + http.port() + "/accounts/kc-1/deposits"))
                                            .header("Idempotency-Key", key)
                                            .POST(HttpRequest.BodyPublishers.ofString("{\"amount\": 25}"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
                    await("the deposit commits")
                            .atMost(AppProcess.PATIENCE)
                            .pollInterval(Duration.ofMillis(5))
                            .until(() -> deposits(db) == 1);
                    assertThat(lost).as("the deposit has not been answered yet").isNotDone();
                    first.kill();
                    holder.rollback();
                }
            }
            assertThat(lost).as("the client lost its answer").failsWithin(Duration.ofSeconds(30));

            // when: the client retries with its key once serve is back
            try (AppProcess second = serve(db, "key-crash-second")) {
                Http http = new Http(second.awaitListening());
                Response retried = http.post("/accounts/kc-1/deposits", "{\"amount\": 25}", key);

                // then: the first outcome, and one deposit
                assertThat(retried.status()).as(retried.body()).isEqualTo(200);
                assertThat(retried.header("Idempotent-Replayed")).contains("true");
                assertThat(retried.longAt("version")).isEqualTo(1);
                assertThat(deposits(db)).isEqualTo(1);
                // (the projection resumes once the killed process's leases expired: up to a lease and a heartbeat)
                String read = "/accounts/kc-1?minPosition=" + retried.longAt("position");
                await("the restarted serve projects the deposit")
                        .atMost(AppProcess.PATIENCE)
                        .until(() -> http.get(read).status() == 200);
                assertThat(http.get(read).longAt("balance")).isEqualTo(125);
                assertThat(second.terminate()).isEqualTo(AppProcess.EXIT_AFTER_SIGTERM);
            }
        }
    }

    private static AppProcess serve(TestDatabase db, String label) {
        return AppProcess.start(label, List.of(), "serve", "--port", "0", "--jdbc-url", db.jdbcUrl());
    }

    private static long deposits(TestDatabase db) {
        return db.queryLong("SELECT count(*) FROM lockstep.events WHERE stream_id = 'account-kc-1'"
                + " AND event_type = 'FundsDeposited'");
    }
}
