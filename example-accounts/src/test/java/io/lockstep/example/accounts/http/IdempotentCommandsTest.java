package io.lockstep.example.accounts.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.example.accounts.support.Http.Response;
import io.lockstep.example.accounts.support.RunningApp;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code Idempotency-Key} header over HTTP: a command repeated with its key is carried out once and answers
 * its first outcome; the key with another command is a 422.
 */
class IdempotentCommandsTest {

    static RunningApp running;

    @BeforeAll
    static void start() {
        running = RunningApp.start();
    }

    @AfterAll
    static void stop() {
        running.close();
    }

    static String open(String id, long deposit) throws Exception {
        Response created = running.http.post(
                "/accounts",
                "{\"owner\": \"ivy\", \"initialDeposit\": " + deposit + ", \"accountId\": \"" + id + "\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return id;
    }

    static long events(String accountId) {
        return running.db.queryLong(
                "SELECT count(*) FROM lockstep.events WHERE stream_id = 'account-" + accountId + "'");
    }

    static String key() {
        return UUID.randomUUID().toString();
    }

    @Test
    void theSameKeyAndBodyTwiceAppendOnceAndAnswerTheFirstOutcomeAgain() throws Exception {
        // given
        String id = open("idem-1", 100);
        String key = key();
        Response first = running.http.post("/accounts/" + id + "/deposits", "{\"amount\": 40}", key);

        // when
        Response again = running.http.post("/accounts/" + id + "/deposits", "{ \"amount\" : 40 }", key);

        // then
        assertThat(first.status()).isEqualTo(200);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json()).isEqualTo(first.json());
        assertThat(first.header("Idempotent-Replayed")).isEmpty();
        assertThat(again.header("Idempotent-Replayed")).contains("true");
        assertThat(events(id)).isEqualTo(2);
        assertThat(running.http
                        .get("/accounts/" + id + "?minPosition=" + again.longAt("position"))
                        .longAt("balance"))
                .isEqualTo(140);
    }

    @Test
    void theSameKeyWithAnotherBodyIs422AndAppendsNothing() throws Exception {
        // given
        String id = open("idem-2", 100);
        String key = key();
        assertThat(running.http
                        .post("/accounts/" + id + "/deposits", "{\"amount\": 40}", key)
                        .status())
                .isEqualTo(200);

        // when
        Response otherAmount = running.http.post("/accounts/" + id + "/deposits", "{\"amount\": 41}", key);
        Response otherCommand = running.http.post("/accounts/" + id + "/withdrawals", "{\"amount\": 40}", key);

        // then
        assertThat(otherAmount.status()).isEqualTo(422);
        assertThat(otherAmount.json().get("field").asText()).isEqualTo("Idempotency-Key");
        assertThat(otherAmount.json().get("error").asText()).contains(key, "\"amount\":40", "\"amount\":41");
        assertThat(otherCommand.status()).isEqualTo(422);
        assertThat(events(id)).isEqualTo(2);
    }

    @Test
    void concurrentDuplicatesAppendOnce() throws Exception {
        // given
        String id = open("idem-3", 100);
        String key = key();
        List<Response> answers = new CopyOnWriteArrayList<>();
        CountDownLatch go = new CountDownLatch(1);

        // when: eight clients send the same keyed deposit at once
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            clients.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                    answers.add(running.http.post("/accounts/" + id + "/deposits", "{\"amount\": 7}", key));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        go.countDown();
        for (Thread client : clients) {
            client.join();
        }

        // then: one event, and every client got its outcome
        assertThat(answers).hasSize(8).allSatisfy(answer -> {
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            assertThat(answer.longAt("version")).isEqualTo(1);
        });
        assertThat(events(id)).isEqualTo(2);
        assertThat(answers.stream().filter(a -> a.header("Idempotent-Replayed").isEmpty()))
                .hasSize(1);
    }

    @Test
    void aRefusalIsTheKeysOutcomeToo() throws Exception {
        // given: a withdrawal refused for want of funds
        String id = open("idem-4", 100);
        String key = key();
        Response refused = running.http.post("/accounts/" + id + "/withdrawals", "{\"amount\": 150}", key);
        assertThat(running.http
                        .post("/accounts/" + id + "/deposits", "{\"amount\": 100}")
                        .status())
                .isEqualTo(200);

        // when: the client retries it with the key, after the balance has grown
        Response retried = running.http.post("/accounts/" + id + "/withdrawals", "{\"amount\": 150}", key);

        // then
        assertThat(refused.status()).isEqualTo(409);
        assertThat(retried.status()).isEqualTo(409);
        assertThat(retried.body()).isEqualTo(refused.body());
        assertThat(events(id)).isEqualTo(2);
    }

    @Test
    void aKeyIsStoredOnlyWithTheAppendItsTransactionCommits() throws Exception {
        // given: an account opened without a key, so a keyed opening of the same id fails at its append
        String id = open("idem-dup", 100);
        String key = key();

        // when: the keyed opening (the key is written first in the append's transaction, which then rolls back)
        Response refused = running.http.post(
                "/accounts", "{\"owner\": \"ivy\", \"initialDeposit\": 5, \"accountId\": \"" + id + "\"}", key);
        Response retried = running.http.post(
                "/accounts", "{\"owner\": \"ivy\", \"initialDeposit\": 5, \"accountId\": \"" + id + "\"}", key);

        // then: the key holds the refusal, not an append that never committed
        assertThat(refused.status()).as(refused.body()).isEqualTo(409);
        assertThat(retried.status()).isEqualTo(409);
        assertThat(retried.body()).isEqualTo(refused.body());
        assertThat(running.db.queryLong("SELECT count(*) FROM idempotency_keys WHERE idempotency_key = '" + key
                        + "' AND stream_version IS NULL AND refusal IS NOT NULL"))
                .isOne();
        assertThat(events(id)).isOne();
    }

    @Test
    void openingWithoutAnIdTwiceWithTheKeyOpensOneAccount() throws Exception {
        String key = key();

        Response first = running.http.post("/accounts", "{\"owner\": \"kim\", \"initialDeposit\": 5}", key);
        Response again = running.http.post("/accounts", "{\"owner\": \"kim\", \"initialDeposit\": 5}", key);

        assertThat(first.status()).isEqualTo(201);
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.json().get("accountId")).isEqualTo(first.json().get("accountId"));
        assertThat(again.header("location")).isEqualTo(first.header("location"));
        assertThat(running.db.queryLong("SELECT count(*) FROM lockstep.events WHERE payload->>'owner' = 'kim'"))
                .isOne();
    }

    @Test
    void refusesAMalformedKeyNamingTheHeader() throws Exception {
        String id = open("idem-5", 100);

        Response response = running.http.post("/accounts/" + id + "/deposits", "{\"amount\": 1}", "k".repeat(256));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("field").asText()).isEqualTo("Idempotency-Key");
        assertThat(response.json().get("error").asText()).contains("255");
        assertThat(events(id)).isOne();
    }

    @Test
    void keysOlderThanTheRetentionAreRemovedAndYoungerOnesKept() throws Exception {
        // given: two keys, one of them stored 25 hours ago
        String id = open("idem-6", 100);
        String old = key();
        String young = key();
        assertThat(running.http
                        .post("/accounts/" + id + "/deposits", "{\"amount\": 1}", old)
                        .status())
                .isEqualTo(200);
        assertThat(running.http
                        .post("/accounts/" + id + "/deposits", "{\"amount\": 1}", young)
                        .status())
                .isEqualTo(200);
        running.db.execute("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'"
                + " WHERE idempotency_key = '" + old + "'");

        // when
        running.app.commands().deleteExpiredKeys();

        // then
        assertThat(running.db.queryLong("SELECT count(*) FROM idempotency_keys WHERE idempotency_key = '" + old + "'"))
                .isZero();
        assertThat(running.db.queryLong(
                        "SELECT count(*) FROM idempotency_keys WHERE idempotency_key = '" + young + "'"))
                .isOne();
    }
}
