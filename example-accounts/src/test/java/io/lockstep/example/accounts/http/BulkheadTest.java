package io.lockstep.example.accounts.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.example.accounts.app.Pools;
import io.lockstep.example.accounts.support.Http.Response;
import io.lockstep.example.accounts.support.RunningApp;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Reads, commands and the projection use separate pools: a read-model table locked by someone else (an
 * operator's {@code LOCK TABLE}, a migration) makes reads fail fast with 503, and commands go on.
 */
class BulkheadTest {

    static final int PARALLEL_READS = 20;

    @Test
    void aDepositAnswersWithinASecondWhileALockedReadModelTableHolds20ReadsAndTheReadsFailFast() throws Exception {
        try (RunningApp running = RunningApp.start();
                ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            // given: an account, and its read-model table locked in this test's own database
            Response created = running.http.post(
                    "/accounts", "{\"owner\": \"bo\", \"initialDeposit\": 100, \"accountId\": \"bulk-1\"}");
            assertThat(running.http
                            .get("/accounts/bulk-1?minPosition=" + created.longAt("position"))
                            .status())
                    .isEqualTo(200);
            try (Connection locker = running.db.openConnection();
                    Statement lock = locker.createStatement()) {
                locker.setAutoCommit(false);
                lock.execute("LOCK TABLE account_balance IN ACCESS EXCLUSIVE MODE");

                // when: 20 parallel reads of the locked table, then a deposit while they wait
                List<CompletableFuture<Response>> reads = new ArrayList<>();
                for (int i = 0; i < PARALLEL_READS; i++) {
                    reads.add(CompletableFuture.supplyAsync(() -> get(running, "/accounts/bulk-1"), clients));
                }
                // (the deposit is sent once the reads pool's every connection waits for the lock)
                await("the reads wait for the lock")
                        .atMost(Duration.ofSeconds(5))
                        .pollInterval(Duration.ofMillis(5))
                        .until(() -> waitingForTheLock(running) >= Pools.Sizes.SERVE.reads());
                long started = System.nanoTime();
                Response deposit = running.http.post("/accounts/bulk-1/deposits", "{\"amount\": 5}");
                Duration took = Duration.ofNanos(System.nanoTime() - started);

                // then: the deposit is stored and answered with its position within a second
                assertThat(deposit.status()).as(deposit.body()).isEqualTo(200);
                assertThat(deposit.json().has("position")).isTrue();
                assertThat(took)
                        .as("the deposit's answer time while reads wait for the lock")
                        .isLessThan(Duration.ofSeconds(1));

                // and every read answered 503 with Retry-After instead of waiting for the lock
                for (CompletableFuture<Response> read : reads) {
                    Response answer = read.join();
                    assertThat(answer.status()).as(answer.body()).isEqualTo(503);
                    assertThat(answer.header("retry-after")).isPresent();
                    assertThat(answer.json().get("error").asText()).contains("read model");
                }
                locker.rollback();
            }

            // and once the lock is gone, reads and the projection carry on
            Response read = running.http.get("/accounts/bulk-1?minPosition=" + created.longAt("position"));
            assertThat(read.status()).isEqualTo(200);
        }
    }

    /** @return how many sessions wait for a lock on the read-model table */
    private static long waitingForTheLock(RunningApp running) {
        return running.db.queryLong(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'account_balance'::regclass");
    }

    private static Response get(RunningApp running, String path) {
        try {
            return running.http.get(path);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
