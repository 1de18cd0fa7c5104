package io.lockstep.example.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.example.accounts.support.AppProcess;
import io.lockstep.example.accounts.support.Http;
import io.lockstep.example.accounts.support.Http.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application started as a new user starts it: {@code java ... AccountsApplication --port 0}, no
 * subcommand, no {@code LOCKSTEP_JDBC_URL}, so it runs {@code serve} on an embedded PostgreSQL whose data
 * directory lands in the (temporary) home directory, {@code $HOME} as the shell has it (the JVM's
 * {@code user.home} points elsewhere, and must not be used); stopped with SIGTERM and started again on the
 * same data.
 */
class SmokeTest {

    @TempDir
    Path home;

    private Path dataDir() {
        return home.resolve(".lockstep").resolve("example-accounts").resolve("postgres");
    }

    private AppProcess start(String label) {
        return AppProcess.start(
                label,
                List.of("-Duser.home=" + home.resolve("not-home")),
                Map.of("HOME", home.toString()),
                "--port",
                "0");
    }

    @Test
    void servesOnTheEmbeddedDatabaseStopsCleanlyAndResumesWhereItStopped() throws Exception {
        // given: a first run that opens an account and reads it back
        String accountId;
        long position;
        int serverPort;
        try (AppProcess first = start("smoke-first")) {
            Http http = new Http(first.awaitListening());
            assertThat(first.stdout()).contains("database: embedded PostgreSQL 17, data in " + dataDir());
            Response created = http.post("/accounts", "{\"owner\":\"ada\",\"initialDeposit\":1000}");
            assertThat(created.status())
                    .as("POST /accounts: %s", created.body())
                    .isEqualTo(201);
            accountId = created.json().get("accountId").asText();
            position = created.longAt("position");
            Response account = http.get("/accounts/" + accountId + "?minPosition=" + position);
            assertThat(account.status())
                    .as("GET /accounts/%s: %s", accountId, account.body())
                    .isEqualTo(200);
            assertThat(account.longAt("balance")).isEqualTo(1000);
            assertThat(http.get("/projections").status()).isEqualTo(200);
            assertThat(http.get("/health").status()).isEqualTo(200);
            serverPort = embeddedServerPort();
            assertThat(accepts(serverPort))
                    .as("the embedded server accepts connections on %d", serverPort)
                    .isTrue();

            // when
            int exitCode = first.terminate();

            // then: a clean exit that leaves the data and stops the embedded server
            assertThat(exitCode)
                    .as("exit code after SIGTERM:%n%s", first.output())
                    .isEqualTo(AppProcess.EXIT_AFTER_SIGTERM);
            assertThat(first.stderr())
                    .as("the application stopped before its database")
                    .doesNotContain("terminating connection due to administrator command");
        }
        assertThat(dataDir().resolve("PG_VERSION")).isRegularFile();
        assertStopped(serverPort);

        // when: started again the same way
        try (AppProcess second = start("smoke-second")) {
            Http http = new Http(second.awaitListening());
            assertThat(second.stdout())
                    .as("a server of its own, not one left running")
                    .contains("database: embedded PostgreSQL 17, data in " + dataDir());

            // then: the account is there, and the projection resumed from its stored checkpoint
            Response account = http.get("/accounts/" + accountId);
            assertThat(account.status())
                    .as("GET /accounts/%s: %s", accountId, account.body())
                    .isEqualTo(200);
            assertThat(account.longAt("balance")).isEqualTo(1000);
            await("the restarted projection's partitions load their checkpoints")
                    .atMost(AppProcess.PATIENCE)
                    .until(() -> runners(http).size() == 4
                            && runners(http).stream()
                                    .allMatch(r -> r.get("state").asText().equals("LIVE")));
            assertThat(runners(http))
                    .extracting(r -> r.get("checkpoint").asLong())
                    .contains(position)
                    .allMatch(checkpoint -> checkpoint <= position);
            assertThat(runners(http))
                    .as("events processed again")
                    .allMatch(r -> r.get("eventsProcessed").asLong() == 0);
            serverPort = embeddedServerPort();
            assertThat(second.terminate())
                    .as("exit code after SIGTERM:%n%s", second.output())
                    .isEqualTo(AppProcess.EXIT_AFTER_SIGTERM);
            assertThat(second.stderr())
                    .as("the application stopped before its database")
                    .doesNotContain("terminating connection due to administrator command");
        }
        assertStopped(serverPort);
        assertThat(home.resolve("not-home"))
                .as("nothing under the JVM's user.home")
                .doesNotExist();
    }

    /** A test that failed half-way must not leave the embedded server it started running on a deleted directory. */
    @AfterEach
    void stopALeftOverServer() throws IOException {
        Path pidFile = dataDir().resolve("postmaster.pid");
        if (Files.isRegularFile(pidFile)) {
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy); // SIGTERM: PostgreSQL's smart shutdown
        }
    }

    /** @return the runners of the projection's partitions, all in this one process */
    private static List<JsonNode> runners(Http http) throws Exception {
        Response response = http.get("/projections");
        assertThat(response.status())
                .as("GET /projections: %s", response.body())
                .isEqualTo(200);
        List<JsonNode> runners = new ArrayList<>();
        response.json().get("projections").forEach(runners::add);
        return runners;
    }

    /** @return the port the embedded server listens on: the fourth line of its {@code postmaster.pid} */
    private int embeddedServerPort() throws IOException {
        Path pidFile = dataDir().resolve("postmaster.pid");
        assertThat(pidFile)
                .as("the embedded server's pid file while the application runs")
                .isRegularFile();
        return Integer.parseInt(Files.readAllLines(pidFile).get(3).strip());
    }

    private void assertStopped(int serverPort) {
        assertThat(dataDir().resolve("postmaster.pid"))
                .as("the embedded server's pid file after a graceful stop")
                .doesNotExist();
        assertThat(accepts(serverPort))
                .as("the embedded server's port %d accepts connections after the stop", serverPort)
                .isFalse();
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("localhost", port), 5_000);
            return true;
        } catch (ConnectException refused) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("could not tell whether port " + port + " accepts connections", e);
        }
    }
}
