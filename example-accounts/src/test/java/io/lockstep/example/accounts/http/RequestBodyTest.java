package io.lockstep.example.accounts.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.example.accounts.support.Http.Response;
import io.lockstep.example.accounts.support.RawHttp;
import io.lockstep.example.accounts.support.RunningApp;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Request bodies as clients send them: every body is read as JSON whatever its Content-Type (curl's default
 * is form-encoded), up to 4 KiB; larger ones get 413 however they arrive; input never gets a 500.
 */
class RequestBodyTest {

    static RunningApp running;

    @BeforeAll
    static void start() throws Exception {
        running = RunningApp.start();
        assertThat(running.http
                        .post("/accounts", "{\"owner\": \"ada\", \"initialDeposit\": 100, \"accountId\": \"body-1\"}")
                        .status())
                .isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        running.close();
    }

    /** @return a deposit of 1 cent padded with spaces to {@code size} bytes */
    static String depositOfSize(int size) {
        String json = "{\"amount\": 1}";
        return json.substring(0, json.length() - 1) + " ".repeat(size - json.length()) + "}";
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {1_026, 2_048, 4_096})
    void readsAFormEncodedBodyUpTo4KiBAsJson(int size) throws Exception {
        // given: what curl -d sends: no Content-Type of its own, so application/x-www-form-urlencoded
        long before = running.storedEvents();

        // when
        Response response = running.http.send(
                "POST",
                "/accounts/body-1/deposits",
                depositOfSize(size),
                "content-type",
                "application/x-www-form-urlencoded");

        // then
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(running.storedEvents()).isEqualTo(before + 1);
    }

    @Test
    void readsABodyWithoutContentTypeOrAsTextAsJson() throws Exception {
        assertThat(running.http
                        .send("POST", "/accounts/body-1/deposits", "{\"amount\": 2}")
                        .status())
                .isEqualTo(200);
        assertThat(running.http
                        .send(
                                "POST",
                                "/accounts/body-1/deposits",
                                "{\"amount\": 2}",
                                "content-type",
                                "text/plain; charset=utf-8")
                        .status())
                .isEqualTo(200);
    }

    @Test
    void refusesAFormEncodedBodyOver4KiBWith413() throws Exception {
        long before = running.storedEvents();

        Response response = running.http.send(
                "POST",
                "/accounts/body-1/deposits",
                depositOfSize(4_097),
                "content-type",
                "application/x-www-form-urlencoded");

        assertThat(response.status()).isEqualTo(413);
        assertThat(response.json().get("error").asText()).contains("4097 bytes", "4096");
        assertThat(running.storedEvents()).isEqualTo(before);
    }

    @Test
    void refusesA50MegabyteChunkedBodyWith413AndKeepsServing() throws IOException, InterruptedException {
        // when: 50 MB of chunks, no Content-Length, form-encoded as curl would label it
        RawHttp.Answer answer = RawHttp.exchange(
                running.http.port(),
                "POST /accounts/body-1/deposits HTTP/1.1\r\n"
                        + "Host: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked",
                RawHttp.chunked(50_000_000L, 8_192));

        // then
        assertThat(answer.status()).as(answer.body()).isEqualTo(413);
        assertThat(answer.json().get("error").asText()).contains("4096");
        assertThat(running.http.get("/accounts/body-1").status()).isEqualTo(200);
    }

    @Test
    void refusesAMultipartBodyNamingItsContentType() throws Exception {
        Response response = running.http.send(
                "POST",
                "/accounts/body-1/deposits",
                "--b\r\nContent-Disposition: form-data; name=\"amount\"\r\n\r\n5\r\n--b--\r\n",
                "content-type",
                "multipart/form-data; boundary=b");

        assertThat(response.status()).isEqualTo(415);
        assertThat(response.json().get("error").asText()).contains("multipart/form-data", "JSON");
    }

    @Test
    void refusesABodyThatIsNotJsonNamingItsContentType() throws Exception {
        long before = running.storedEvents();

        Response response = running.http.send(
                "POST", "/accounts/body-1/deposits", "<amount>5</amount>", "content-type", "application/xml");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("error").asText()).contains("application/xml", "JSON");
        assertThat(running.storedEvents()).isEqualTo(before);
    }

    @Test
    void answersATooLargeAmountInTheApisOwnWords() throws Exception {
        for (String amount : new String[] {"99999999999999999999", "-99999999999999999999"}) {
            Response response = running.http.post("/accounts/body-1/deposits", "{\"amount\": " + amount + "}");

            assertThat(response.status()).isEqualTo(400);
            assertThat(response.json().get("field").asText()).isEqualTo("amount");
            assertThat(response.json().get("error").asText())
                    .isEqualTo("amount is out of range: amounts are whole cents from 1 to 1000000000");
        }
    }
}
