package io.lockstep.example.accounts.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.example.accounts.support.Http.Response;
import io.lockstep.example.accounts.support.RawHttp;
import io.lockstep.example.accounts.support.RunningApp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** HTTP as clients expect it: HEAD wherever GET is served, 405 with Allow, a JSON body for every error. */
class HttpConventionsTest {

    static RunningApp running;

    @BeforeAll
    static void start() throws Exception {
        running = RunningApp.start();
        Response created = running.http.post(
                "/accounts", "{\"owner\": \"hal\", \"initialDeposit\": 100, \"accountId\": \"conv-1\"}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(running.http
                        .get("/accounts/conv-1?minPosition=" + created.longAt("position"))
                        .status())
                .isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        running.close();
    }

    @ParameterizedTest(name = "HEAD {0}")
    @ValueSource(
            strings = {
                "/accounts/conv-1",
                "/accounts/nobody",
                "/owners/hal",
                "/projections",
                "/projections/accounts",
                "/health",
                "/metrics"
            })
    void answersHeadWhereverGetIsServedWithGetsStatusAndNoBody(String path) throws Exception {
        Response get = running.http.get(path);

        Response head = running.http.send("HEAD", path, null);

        assertThat(head.status()).isEqualTo(get.status());
        assertThat(head.body()).isEmpty();
        assertThat(head.header("content-type")).isEqualTo(get.header("content-type"));
    }

    @ParameterizedTest(name = "{0} {1} -> 405, Allow: {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "PUT|/accounts/conv-1|GET, HEAD",
                "DELETE|/accounts/conv-1|GET, HEAD",
                "GET|/accounts/conv-1/deposits|POST",
                "GET|/accounts|POST",
                "PATCH|/owners/hal|GET, HEAD",
                "POST|/health|GET, HEAD",
                "DELETE|/metrics|GET, HEAD"
            })
    void answersAKnownPathAskedWithAnotherMethodWith405AndAllow(String method, String path, String allow)
            throws Exception {
        long before = running.storedEvents();

        Response response = running.http.send(method, path, "{\"amount\": 5}", "content-type", "application/json");

        assertThat(response.status()).isEqualTo(405);
        assertThat(response.header("allow")).contains(allow);
        assertThat(response.json().get("error").asText()).contains(method, path, allow);
        assertThat(running.storedEvents()).isEqualTo(before);
    }

    @Test
    void answersAWrongMethodOnManagementWith405AndAllow() throws Exception {
        Response response = running.http.send("DELETE", "/projections/accounts", null);

        assertThat(response.status()).isEqualTo(405);
        assertThat(response.header("allow")).isPresent();
        assertThat(response.json().get("error").asText()).isNotBlank();
    }

    @Test
    void pauseAndResumeAnswerTheStateAfterTheCommand() throws Exception {
        Response paused = running.http.post("/projections/accounts/pause", "");
        Response resumed = running.http.post("/projections/accounts/resume", "");

        // then: the stored flag and this process's runners (all four partitions run here) show the state after
        assertThat(paused.status()).isEqualTo(200);
        assertThat(paused.json().get("partitions"))
                .as(paused.body())
                .hasSize(4)
                .allMatch(p -> p.get("paused").asBoolean())
                .allMatch(p -> p.path("local").path("state").asText().equals("PAUSED"));
        assertThat(resumed.status()).isEqualTo(200);
        assertThat(resumed.json().get("partitions"))
                .as(resumed.body())
                .hasSize(4)
                .noneMatch(p -> p.get("paused").asBoolean())
                .allMatch(p -> p.has("local"))
                .noneMatch(p -> p.path("local").path("state").asText().equals("PAUSED"));
    }

    @Test
    void answersAnUnknownPathWith404Json() throws Exception {
        Response response = running.http.send("PUT", "/nowhere", "{}");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.json().get("error").asText()).contains("/nowhere");
    }

    @Test
    void answersAnOverlongUrlWith414Json() throws Exception {
        RawHttp.Answer answer = RawHttp.exchange(
                running.http.port(), "GET /accounts/" + "x".repeat(5_000) + " HTTP/1.1\r\nHost: localhost", out -> {});

        assertThat(answer.status()).isEqualTo(414);
        assertThat(answer.headers()).contains("content-type: application/json");
        assertThat(answer.json().get("error").asText()).contains("request line", "4096");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"POST /accounts/%ZZ/deposits", "GET /owners/100%", "POST /projections/%zz/pause"})
    void answersAPathWithABrokenPercentEscapeWith400Json(String request) throws Exception {
        RawHttp.Answer answer = RawHttp.exchange(
                running.http.port(), request + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0", out -> {});

        assertThat(answer.status()).as(answer.body()).isEqualTo(400);
        assertThat(answer.headers()).contains("content-type: application/json");
        assertThat(answer.json().get("error").asText()).contains("percent", "%25");
    }

    @Test
    void answersAReadOfAnOwnerNameItCannotHoldWith400NamingTheField() throws Exception {
        for (String owner : new String[] {"%00", "a%0Ab", "o".repeat(101)}) {
            Response response = running.http.get("/owners/" + owner);

            assertThat(response.status()).as(owner + ": " + response.body()).isEqualTo(400);
            assertThat(response.json().get("field").asText()).isEqualTo("owner");
            assertThat(response.json().get("error").asText()).contains("100 characters");
        }
    }

    @Test
    void answersOverlongHeadersWith431Json() throws Exception {
        RawHttp.Answer answer = RawHttp.exchange(
                running.http.port(),
                "GET /accounts/conv-1 HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "x".repeat(9_000),
                out -> {});

        assertThat(answer.status()).isEqualTo(431);
        assertThat(answer.headers()).contains("content-type: application/json");
        assertThat(answer.json().get("error").asText()).contains("headers", "8192");
    }
}
