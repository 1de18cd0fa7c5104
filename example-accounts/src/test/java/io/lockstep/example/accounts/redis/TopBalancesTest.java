package io.lockstep.example.accounts.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.example.accounts.app.AccountsApp;
import io.lockstep.example.accounts.app.Database;
import io.lockstep.example.accounts.app.Pools;
import io.lockstep.example.accounts.support.Http;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.redis.testing.TestRedis;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The optional Redis read model over real HTTP: the largest balances, in order, as the events come. */
class TopBalancesTest {

    private final String prefix = TestRedis.uniquePrefix();
    private TestDatabase db;
    private Database database;
    private AccountsApp app;
    private Http http;

    @BeforeEach
    void start() {
        String redisUrl = TestRedis.uri();
        db = TestDatabase.create(4);
        database = Database.open(Optional.of(db.jdbcUrl()), Path.of("unused"));
        app = AccountsApp.start(
                Pools.open(database, new Pools.Sizes(2, 4, 4)),
                AccountsApp.POSITION_WAIT,
                new TopBalances.Settings(redisUrl, prefix));
        http = new Http(app.listen("127.0.0.1", 0));
    }

    @AfterEach
    void stop() {
        try {
            app.close();
            database.close();
        } finally {
            db.close();
            TestRedis.deleteKeys(TestRedis.uri(), prefix);
        }
    }

    @Test
    void ranksOpenAccountsByBalanceAsDepositsWithdrawalsAndClosingsCome() throws Exception {
        // given
        http.post("/accounts", "{\"owner\":\"ada\",\"initialDeposit\":1000,\"accountId\":\"ada-1\"}");
        http.post("/accounts", "{\"owner\":\"bob\",\"initialDeposit\":5000,\"accountId\":\"bob-1\"}");
        http.post("/accounts", "{\"owner\":\"cy\",\"initialDeposit\":3000,\"accountId\":\"cy-1\"}");

        // when
        http.post("/accounts/ada-1/deposits", "{\"amount\":9000}");
        http.post("/accounts/bob-1/withdrawals", "{\"amount\":4500}");
        http.post("/accounts/cy-1/close", "");

        // then
        await().atMost(Duration.ofSeconds(10))
                .until(() -> ids(http.get("/top-balances").json()).equals(List.of("ada-1", "bob-1")));
        JsonNode top = http.get("/top-balances?limit=1").json();
        assertThat(ids(top)).containsExactly("ada-1");
        assertThat(top.get("accounts").get(0).get("balance").asLong()).isEqualTo(10_000);
        // status, metrics and health cover the Redis projection as they cover the PostgreSQL one
        assertThat(http.get("/projections").body()).contains(TopBalances.NAME);
        assertThat(http.get("/metrics").body()).contains("projection=\"" + TopBalances.NAME + "\"");
        assertThat(http.get("/health").status()).isEqualTo(200);
    }

    @Test
    void refusesALimitOutOfRange() throws Exception {
        Http.Response response = http.get("/top-balances?limit=1000");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("field").asText()).isEqualTo("limit");
        assertThat(response.json().get("error").asText()).contains("1..100");
    }

    @Test
    void servesHeadAndAnswersAnotherMethodWith405LikeTheApisOwnReads() throws Exception {
        Http.Response get = http.get("/top-balances");
        Http.Response head = http.send("HEAD", "/top-balances", null);
        Http.Response put = http.send("PUT", "/top-balances", "{}");

        assertThat(head.status()).isEqualTo(get.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.header("content-type")).isEqualTo(get.header("content-type"));
        assertThat(put.status()).isEqualTo(405);
        assertThat(put.header("allow")).contains("GET, HEAD");
        assertThat(put.json().get("error").asText()).contains("PUT", "/top-balances");
    }

    private static List<String> ids(JsonNode answer) {
        List<String> ids = new ArrayList<>();
        answer.get("accounts")
                .forEach(account -> ids.add(account.get("accountId").asText()));
        return ids;
    }
}
