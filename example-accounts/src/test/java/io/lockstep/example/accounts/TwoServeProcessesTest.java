package io.lockstep.example.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.example.accounts.support.AppProcess;
import io.lockstep.example.accounts.support.Http;
import io.lockstep.example.accounts.support.LogFold;
import io.lockstep.example.accounts.support.Projected;
import io.lockstep.example.accounts.support.StatusOutput;
import io.lockstep.postgres.testing.TestDatabase;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Two {@code serve} processes (child JVMs) on one database share the {@code accounts} projection's 4 partitions:
 * each owns two, {@code GET /projections} shows both owners, commands go through both (owners' accounts spread
 * over every partition, so partitions of both processes update the same {@code owner_summary} rows at once);
 * then one is killed with SIGKILL and the other takes its partitions over once their leases expire (5 s here:
 * shorter leases are lost on a loaded 2-core machine, whose pauses outlast a batch's allowed idle time of half a
 * lease). At the end the read models equal the fold of the log, nothing applied twice or lost, and no partition
 * deadlocked another (PostgreSQL's 40P01, which the runner would retry, is looked for in both processes' logs).
 */
class TwoServeProcessesTest {

    private static final int ACCOUNTS = 24;
    private static final int OWNERS = 4;

    @Test
    void twoServeProcessesShareThePartitionsAndTheSurvivorTakesTheKilledOnesOver() throws Exception {
        try (TestDatabase db = TestDatabase.create(2);
                AppProcess a = serve("two-serve-a", db);
                AppProcess b = serve("two-serve-b", db)) {
            Http httpA = new Http(a.awaitListening());
            Http httpB = new Http(b.awaitListening());

            // then: 2 + 2 partitions, seen by both
            await("each process owns two partitions")
                    .atMost(AppProcess.PATIENCE)
                    .until(() -> owners(httpA).equals(Map.of("node-a", 2L, "node-b", 2L)));
            assertThat(owners(httpB)).isEqualTo(Map.of("node-a", 2L, "node-b", 2L));

            // when: clients send commands through both processes
            List<String> ids = open(List.of(httpA, httpB));
            AtomicBoolean sending = new AtomicBoolean(true);
            AtomicBoolean sendingToB = new AtomicBoolean(true);
            AtomicLong sentThroughA = new AtomicLong();
            Thread clientA = Thread.ofVirtual().start(() -> send(httpA, ids, 1, sending, sentThroughA));
            Thread clientB = Thread.ofVirtual().start(() -> send(httpB, ids, 2, sendingToB, new AtomicLong()));
            await("commands projected by both processes")
                    .atMost(AppProcess.PATIENCE)
                    .until(() -> processed(httpA) > 200 && processed(httpB) > 200);
            sendingToB.set(false);
            clientB.join();

            // when: b is killed while a keeps serving commands
            b.kill();
            long sentBeforeKill = sentThroughA.get();
            await("a takes b's partitions over")
                    .atMost(AppProcess.PATIENCE)
                    .until(() -> owners(httpA).equals(Map.of("node-a", 4L)) && runners(httpA) == 4);
            await("a keeps serving commands")
                    .atMost(AppProcess.PATIENCE)
                    .until(() -> sentThroughA.get() > sentBeforeKill + 50);
            sending.set(false);
            clientA.join();

            // then: the read models are the fold of the log
            await("every partition has projected the whole log")
                    .atMost(AppProcess.PATIENCE)
                    .until(() -> Projected.caughtUp(db.dataSource()));
            assertThat(projections(httpA)
                            .get("partitioned")
                            .get(0)
                            .get("projectedThrough")
                            .asLong())
                    .isEqualTo(db.queryLong("SELECT max(position) FROM lockstep.event_log"));
            LogFold fold = LogFold.of(db.dataSource());
            assertThat(fold.violations()).isEmpty();
            assertThat(fold.accounts()).hasSize(ACCOUNTS);
            assertThat(LogFold.differences(fold.accounts(), LogFold.accountBalance(db.dataSource())))
                    .as("account_balance rows that differ from the fold of the log")
                    .isEmpty();
            assertThat(LogFold.differences(fold.owners(), LogFold.ownerSummary(db.dataSource())))
                    .as("owner_summary rows that differ from the fold of the log")
                    .isEmpty();
            assertThat(a.output() + b.output())
                    .as("partitions that deadlocked each other")
                    .doesNotContain("40P01")
                    .doesNotContainIgnoringCase("deadlock");

            // and status shows each partition with its owner, and the projection as a whole, caught up
            String status = StatusOutput.of(db.jdbcUrl());
            assertThat(status).contains("CAUGHT_UP", "4 partitions over 1 node(s)");
            for (int i = 0; i < 4; i++) {
                assertThat(status).containsPattern("accounts\\[" + i + "/4\\] .* node-a\\R");
            }
            assertThat(a.terminate()).as(a.output()).isEqualTo(AppProcess.EXIT_AFTER_SIGTERM);
        }
    }

    private static AppProcess serve(String label, TestDatabase db) {
        return AppProcess.start(
                label,
                List.of(),
                "serve",
                "--port",
                "0",
                "--jdbc-url",
                db.jdbcUrl(),
                "--node-id",
                label.replace("two-serve-", "node-"),
                "--lease",
                "5s");
    }

    /** Opens the accounts through both processes in turn: owner {@code i % OWNERS}, so owners span partitions. */
    private static List<String> open(List<Http> processes) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < ACCOUNTS; i++) {
            Http.Response created = processes
                    .get(i % 2)
                    .post(
                            "/accounts",
                            "{\"owner\": \"owner-" + (i % OWNERS)
                                    + "\", \"initialDeposit\": 100000, \"accountId\": \"two-" + i + "\"}");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            ids.add("two-" + i);
        }
        return ids;
    }

    /** Deposits and withdrawals to random accounts until told to stop. */
    private static void send(Http http, List<String> ids, long seed, AtomicBoolean sending, AtomicLong sent) {
        Random random = new Random(seed);
        try {
            while (sending.get()) {
                String id = ids.get(random.nextInt(ids.size()));
                String kind = random.nextBoolean() ? "deposits" : "withdrawals";
                int status = http.post(
                                "/accounts/" + id + "/" + kind, "{\"amount\": " + (1 + random.nextInt(500)) + "}")
                        .status();
                assertThat(status).isIn(200, 202, 409);
                sent.incrementAndGet();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return how many partitions each node holds, from the process's {@code GET /projections} */
    private static Map<String, Long> owners(Http http) throws Exception {
        JsonNode partitions = projections(http).get("partitioned").get(0).get("partitions");
        Map<String, Long> owners = new HashMap<>();
        partitions.forEach(
                p -> owners.merge(p.get("owner").isNull() ? "-" : p.get("owner").asText(), 1L, Long::sum));
        return owners;
    }

    private static int runners(Http http) throws Exception {
        return projections(http).get("projections").size();
    }

    private static JsonNode projections(Http http) throws Exception {
        Http.Response response = http.get("/projections");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    private static double processed(Http http) throws Exception {
        return Projected.sum(http.get("/metrics").body(), "lockstep_projection_events_total");
    }
}
