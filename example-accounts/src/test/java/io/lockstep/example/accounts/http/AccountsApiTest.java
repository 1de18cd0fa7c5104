package io.lockstep.example.accounts.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.example.accounts.support.Http.Response;
import io.lockstep.example.accounts.support.RunningApp;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The HTTP API end to end: real HTTP, the real application, a real PostgreSQL. */
class AccountsApiTest {

    static RunningApp running;

    @BeforeAll
    static void start() {
        running = RunningApp.start();
    }

    @AfterAll
    static void stop() {
        running.close();
    }

    static Response post(String path, String body) throws Exception {
        return running.http.post(path, body);
    }

    static Response get(String path) throws Exception {
        return running.http.get(path);
    }

    @Nested
    class Lifecycle {

        @Test
        void createDepositWithdrawCloseAndReadEachWriteBack() throws Exception {
            // create
            Response created =
                    post("/accounts", "{\"owner\": \"ada\", \"initialDeposit\": 1000, \"accountId\": \"life-1\"}");
            assertThat(created.status()).isEqualTo(201);
            assertThat(created.json().get("accountId").asText()).isEqualTo("life-1");
            Response row = get("/accounts/life-1?minPosition=" + created.longAt("position"));
            assertThat(row.status()).isEqualTo(200);
            assertThat(row.longAt("balance")).isEqualTo(1000);
            assertThat(row.json().get("owner").asText()).isEqualTo("ada");

            // deposit, then withdraw
            Response deposited = post("/accounts/life-1/deposits", "{\"amount\": 500}");
            assertThat(deposited.status()).isEqualTo(200);
            assertThat(deposited.longAt("position")).isGreaterThan(created.longAt("position"));
            Response withdrawn = post("/accounts/life-1/withdrawals", "{\"amount\": 300}");
            assertThat(withdrawn.status()).isEqualTo(200);
            row = get("/accounts/life-1?minPosition=" + withdrawn.longAt("position"));
            assertThat(row.longAt("balance")).isEqualTo(1200);
            assertThat(row.longAt("transactions")).isEqualTo(3);
            assertThat(row.longAt("lastPosition")).isEqualTo(withdrawn.longAt("position"));
            Response owner = get("/owners/ada?minPosition=" + withdrawn.longAt("position"));
            assertThat(owner.status()).isEqualTo(200);
            assertThat(owner.longAt("openAccounts")).isEqualTo(1);
            assertThat(owner.longAt("totalBalance")).isEqualTo(1200);

            // a withdrawal above the balance is refused, and nothing is appended
            long before = running.storedEvents();
            Response refused = post("/accounts/life-1/withdrawals", "{\"amount\": 1201}");
            assertThat(refused.status()).isEqualTo(409);
            assertThat(refused.json().get("error").asText()).contains("holds 1200 cents");
            assertThat(running.storedEvents()).isEqualTo(before);

            // close; then everything is refused
            Response closed = post("/accounts/life-1/close", "");
            assertThat(closed.status()).isEqualTo(200);
            assertThat(post("/accounts/life-1/deposits", "{\"amount\": 1}").status())
                    .isEqualTo(409);
            assertThat(post("/accounts/life-1/close", "{}").status()).isEqualTo(409);
            row = get("/accounts/life-1?minPosition=" + closed.longAt("position"));
            assertThat(row.json().get("closed").asBoolean()).isTrue();
            assertThat(get("/owners/ada?minPosition=" + closed.longAt("position"))
                            .longAt("openAccounts"))
                    .isZero();
        }

        @Test
        void createsAnIdWhenNoneIsGivenAndRefusesATakenOne() throws Exception {
            Response created = post("/accounts", "{\"owner\": \"bob\", \"initialDeposit\": 1}");
            assertThat(created.status()).isEqualTo(201);
            String id = created.json().get("accountId").asText();
            assertThat(id).isNotBlank();

            Response again =
                    post("/accounts", "{\"owner\": \"eve\", \"initialDeposit\": 1, \"accountId\": \"" + id + "\"}");
            assertThat(again.status()).isEqualTo(409);
            assertThat(again.json().get("error").asText()).contains("exists already");
        }

        @Test
        void unknownAccountsAre404() throws Exception {
            assertThat(post("/accounts/nobody/deposits", "{\"amount\": 5}").status())
                    .isEqualTo(404);
            assertThat(post("/accounts/nobody/close", "").status()).isEqualTo(404);
            assertThat(get("/accounts/nobody").status()).isEqualTo(404);
            assertThat(get("/owners/nobody").status()).isEqualTo(404);
        }

        @Test
        void aReadThatCannotCatchUpAnswers503WithTheCheckpoint() throws Exception {
            Response created = post("/accounts", "{\"owner\": \"slow\", \"initialDeposit\": 7}");

            Response waited = get("/accounts/" + created.json().get("accountId").asText() + "?minPosition="
                    + (created.longAt("position") + 1_000_000));

            assertThat(waited.status()).isEqualTo(503);
            assertThat(waited.json().get("field").asText()).isEqualTo("minPosition");
            assertThat(waited.longAt("checkpoint")).isGreaterThanOrEqualTo(created.longAt("position"));
        }

        @Test
        void servesManagementMetricsAndHealth() throws Exception {
            Response projections = get("/projections");
            assertThat(projections.status()).isEqualTo(200);
            assertThat(projections.json().get("projections").get(0).get("name").asText())
                    .startsWith("accounts[");
            assertThat(projections
                            .json()
                            .get("partitioned")
                            .get(0)
                            .get("projection")
                            .asText())
                    .isEqualTo("accounts");
            assertThat(projections.json().get("partitioned").get(0).get("partitions"))
                    .hasSize(4);
            assertThat(get("/health").status()).isEqualTo(200);
            Response metrics = get("/metrics");
            assertThat(metrics.status()).isEqualTo(200);
            assertThat(metrics.body()).contains("lockstep_projection_checkpoint", "accounts_command_conflicts_total");
        }

        @Test
        void managementReadsItsOwnRequestBodies() throws Exception {
            Response reset = post("/projections/accounts/reset", "{\"position\": -5}");

            assertThat(reset.status()).isEqualTo(400);
            assertThat(reset.body()).contains("position");
        }
    }

    @Nested
    class BadInput {

        static Stream<Arguments> refusals() {
            String big = "{\"owner\": \"" + "x".repeat(5000) + "\", \"initialDeposit\": 1}";
            return Stream.of(
                    Arguments.of("/accounts", "{\"owner\": \"ada\", ", 400, null),
                    Arguments.of("/accounts", "[1, 2]", 400, null),
                    Arguments.of("/accounts", "{\"initialDeposit\": 100}", 400, "owner"),
                    Arguments.of("/accounts", "{\"owner\": \"ada\"}", 400, "initialDeposit"),
                    Arguments.of("/accounts", "{\"owner\": \"ada\", \"initialDeposit\": 0}", 400, "initialDeposit"),
                    Arguments.of(
                            "/accounts",
                            "{\"owner\": \"ada\", \"initialDeposit\": 10, \"colour\": \"red\"}",
                            400,
                            "colour"),
                    Arguments.of(
                            "/accounts",
                            "{\"owner\": \"ada\", \"initialDeposit\": 10, \"accountId\": \"a b\"}",
                            400,
                            "accountId"),
                    Arguments.of("/accounts", big, 413, null),
                    Arguments.of("/accounts/bad-input/deposits", "{}", 400, "amount"),
                    Arguments.of("/accounts/bad-input/deposits", "{\"amount\": -5}", 400, "amount"),
                    Arguments.of("/accounts/bad-input/deposits", "{\"amount\": 1000000001}", 400, "amount"),
                    Arguments.of("/accounts/bad-input/deposits", "{\"amount\": 1.5}", 400, "amount"),
                    Arguments.of("/accounts/bad-input/deposits", "{\"amount\": \"100\"}", 400, "amount"),
                    Arguments.of("/accounts/bad-input/deposits", "{\"amount\": 99999999999999999999}", 400, "amount"),
                    Arguments.of("/accounts/bad-input/withdrawals", "{\"amount\": 5, \"note\": \"x\"}", 400, "note"),
                    Arguments.of("/accounts/bad-input/close", "{\"force\": true}", 400, "force"),
                    Arguments.of("/accounts/bad%20input/deposits", "{\"amount\": 5}", 400, "accountId"),
                    Arguments.of("/accounts", "null", 400, null),
                    Arguments.of("/accounts/bad-input/deposits", "null", 400, null),
                    Arguments.of("/accounts/bad-input/close", "null", 400, null),
                    Arguments.of("/accounts", "{\"owner\": 123, \"initialDeposit\": 10}", 400, "owner"),
                    Arguments.of("/accounts", "{\"owner\": \"a\\u0000b\", \"initialDeposit\": 10}", 400, "owner"),
                    Arguments.of("/accounts/bad-input/deposits", "{\"amount\": 1, \"amount\": 1000}", 400, "amount"));
        }

        @ParameterizedTest(name = "{0} {1} -> {2} naming {3}")
        @MethodSource("refusals")
        void getsA4xxNamingTheFieldAndAppendsNothing(String path, String body, int status, String field)
                throws Exception {
            // given
            if (running.app.readModels().account("bad-input").isEmpty()) {
                assertThat(post(
                                        "/accounts",
                                        "{\"owner\": \"tester\", \"initialDeposit\": 100, \"accountId\": \"bad-input\"}")
                                .status())
                        .isIn(201, 409);
            }
            long before = running.storedEvents();

            // when
            Response response = post(path, body);

            // then
            assertThat(response.status()).isEqualTo(status);
            assertThat(response.json().get("error").asText()).isNotBlank();
            if (field != null) {
                assertThat(response.json().get("field").asText()).isEqualTo(field);
                assertThat(response.json().get("error").asText()).contains(field);
            }
            assertThat(running.storedEvents()).isEqualTo(before);
        }

        @Test
        void aMalformedMinPositionIs400() throws Exception {
            Response response = get("/accounts/x?minPosition=soon");
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.json().get("field").asText()).isEqualTo("minPosition");
        }

        @Test
        void anUnknownRouteIs404Json() throws Exception {
            Response response = get("/nowhere");
            assertThat(response.status()).isEqualTo(404);
            assertThat(response.json().get("error").asText()).contains("/nowhere");
        }
    }
}
