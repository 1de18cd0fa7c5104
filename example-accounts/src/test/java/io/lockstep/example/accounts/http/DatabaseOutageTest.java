package io.lockstep.example.accounts.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.example.accounts.app.AccountsApp;
import io.lockstep.example.accounts.app.Database;
import io.lockstep.example.accounts.app.Pools;
import io.lockstep.example.accounts.support.Http;
import io.lockstep.example.accounts.support.Http.Response;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fail fast: with the database stopped under it, the application answers commands and reads with 503,
 * {@code Retry-After} and a JSON error in its own words within 2 s, and serves again once the database is
 * back. The database is an embedded PostgreSQL this test starts, stops and starts again.
 */
class DatabaseOutageTest {

    static final Duration FAIL_FAST = Duration.ofSeconds(2);

    @TempDir
    Path dataDir;

    @Test
    void answers503WithRetryAfterWithin2sWhileTheDatabaseIsDownAndServesAgainWhenItIsBack() throws Exception {
        int port = freePort();
        EmbeddedPostgres server = start(port);
        try (Database database =
                        Database.open(Optional.of(server.getJdbcUrl("postgres", "postgres")), Path.of("unused"));
                AccountsApp app =
                        AccountsApp.start(Pools.open(database, Pools.Sizes.SERVE), AccountsApp.POSITION_WAIT)) {
            Http http = new Http(app.listen("127.0.0.1", 0));
            Response created =
                    http.post("/accounts", "{\"owner\": \"ola\", \"initialDeposit\": 100, \"accountId\": \"down-1\"}");
            assertThat(created.status()).isEqualTo(201);
            assertThat(http.get("/accounts/down-1?minPosition=" + created.longAt("position"))
                            .status())
                    .isEqualTo(200);

            // when: the database stops
            server.close();

            // then: commands and reads answer 503 quickly, in the API's words
            assertUnavailable(http, "POST", "/accounts/down-1/deposits", "{\"amount\": 5}", "command");
            assertUnavailable(http, "POST", "/accounts", "{\"owner\": \"ola\", \"initialDeposit\": 1}", "command");
            assertUnavailable(http, "POST", "/accounts/down-1/close", "", "command");
            assertUnavailable(http, "GET", "/accounts/down-1", null, "read model");
            assertUnavailable(http, "GET", "/owners/ola", null, "read model");
            assertUnavailable(
                    http, "GET", "/accounts/down-1?minPosition=" + created.longAt("position"), null, "read model");

            // and the health answers at once, without waiting for the database
            long asked = System.nanoTime();
            Response health = http.get("/health");
            assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(2));
            assertThat(health.json().get("status").asText()).isIn("DEGRADED", "DOWN");

            // and the projection shows the outage (the library's status and health)
            await("health turns DOWN, the projection STALLED")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> http.get("/health").status() == 503
                            && http.get("/projections").body().contains("\"STALLED\""));

            // and management answers a command it cannot carry out with 503 in its own words, not a 500
            Response pause = http.post("/projections/accounts/pause", "");
            assertThat(pause.status()).as(pause.body()).isEqualTo(503);
            assertThat(pause.header("retry-after")).isPresent();
            assertThat(pause.json().get("error").asText())
                    .contains("unavailable", "retry")
                    .doesNotContainPattern("[A-Z][a-z]+(Exception|Error)\\b")
                    .doesNotContain("java.", "org.");

            // when: it is back on the same port and data
            server = start(port);

            // then: commands and reads work again
            await("the pools reconnect")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> http.post("/accounts/down-1/deposits", "{\"amount\": 5}")
                                    .status()
                            == 200);
            // (each pool reconnects on its own: a read may answer 503 a moment longer than a command)
            await("reads work again")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> http.get("/accounts/down-1?minPosition=" + created.longAt("position"))
                                    .status()
                            == 200);
            await("health is UP again")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> http.get("/health").status() == 200);
        } finally {
            server.close();
        }
    }

    private static void assertUnavailable(Http http, String method, String path, String body, String words)
            throws Exception {
        long started = System.nanoTime();
        Response response = http.send(method, path, body, "content-type", "application/json");
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(response.status())
                .as("%s %s: %s", method, path, response.body())
                .isEqualTo(503);
        assertThat(took).as("%s %s answered after", method, path).isLessThan(FAIL_FAST);
        assertThat(response.header("retry-after"))
                .as("Retry-After")
                .hasValueSatisfying(value -> assertThat(Integer.parseInt(value)).isPositive());
        String error = response.json().get("error").asText();
        assertThat(error)
                .contains(words, "Retry")
                .doesNotContainPattern("[A-Z][a-z]+(Exception|Error)\\b")
                .doesNotContain("java.", "org.");
    }

    private EmbeddedPostgres start(int port) throws IOException {
        return EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setPort(port)
                .start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
