package io.lockstep.example.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.example.accounts.support.AppProcess;
import io.lockstep.example.accounts.support.Http;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who owns the embedded PostgreSQL: {@code serve} starts it; {@code simulate} started beside it connects to it as
 * a guest; after {@code serve} is killed with SIGKILL (its server keeps running, the guest still connected) the
 * next {@code serve} takes the server over and, stopped with SIGTERM, stops it. Meanwhile the two processes
 * share the projection's partitions (the killed one's once its leases expired), two each.
 */
class EmbeddedServerOwnershipTest {

    @TempDir
    Path home;

    private Path dataDir;

    @org.junit.jupiter.api.BeforeEach
    void dataDirectory() {
        dataDir = home.resolve("postgres");
    }

    @Test
    void theNextServeTakesOverTheServerOfAKilledOneWhileSimulateIsConnectedAndStopsItOnExit() throws Exception {
        // given: serve owns the embedded server, simulate is connected to it
        int serverPort;
        try (AppProcess first = serve("owner-first")) {
            // simulate starts only once serve listens, so serve has started the server: started together, either
            // could start it first and the other would be the guest
            first.awaitListening();
            try (AppProcess simulate = AppProcess.start(
                    "owner-simulate",
                    List.of(),
                    "simulate",
                    "--data-dir",
                    dataDir.toString(),
                    "--accounts",
                    "50",
                    "--commands",
                    "100000000",
                    "--concurrency",
                    "2")) {
                serverPort = embeddedServerPort();
                await("simulate connects and appends")
                        .atMost(AppProcess.PATIENCE)
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> !simulate.isAlive() || events(serverPort) > 100);
                assertThat(simulate.stdout())
                        .as(simulate.output())
                        .contains("database: the embedded PostgreSQL another process runs on " + dataDir);

                // when: serve is killed, and serve is started again while simulate still appends
                first.kill();
                assertThat(accepts(serverPort))
                        .as("the killed owner's server still runs")
                        .isTrue();
                long before = events(serverPort);
                try (AppProcess second = serve("owner-second")) {
                    Http http = new Http(second.awaitListening());

                    // then: it took the server over, serves, and shares the partitions with simulate (its banner's
                    // last line comes a moment after the "listening on" line awaitListening waits for)
                    await("serve prints its whole banner")
                            .atMost(AppProcess.PATIENCE)
                            .pollInterval(Duration.ofMillis(50))
                            .until(() -> second.stdout().contains("Ctrl-C stops it") || !second.isAlive());
                    assertThat(second.stdout())
                            .as(second.output())
                            .contains("taken over from a process that was killed", "then the embedded database stops");
                    assertThat(embeddedServerPort()).isEqualTo(serverPort);
                    assertThat(http.post("/accounts", "{\"owner\": \"ann\", \"initialDeposit\": 5}")
                                    .status())
                            .isEqualTo(201);
                    assertThat(events(serverPort)).as("simulate kept appending").isGreaterThan(before);
                    await("serve and simulate run two partitions each")
                            .atMost(AppProcess.PATIENCE)
                            .pollInterval(Duration.ofMillis(200))
                            .until(() -> owners(http).size() == 2
                                    && owners(http).values().stream().allMatch(held -> held == 2));

                    // when: stopped
                    assertThat(second.terminate()).as(second.output()).isEqualTo(AppProcess.EXIT_AFTER_SIGTERM);
                }

                // then: the server stopped with it, guest or not
                assertThat(dataDir.resolve("postmaster.pid")).doesNotExist();
                assertThat(accepts(serverPort))
                        .as("the embedded server's port after serve stopped")
                        .isFalse();
            }
        }
    }

    private AppProcess serve(String label) {
        return AppProcess.start(label, List.of(), "serve", "--port", "0", "--data-dir", dataDir.toString());
    }

    /** A failed test must not leave the embedded server running on a deleted directory. */
    @AfterEach
    void stopALeftOverServer() throws IOException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (Files.isRegularFile(pidFile)) {
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        }
    }

    private int embeddedServerPort() throws IOException {
        return Integer.parseInt(
                Files.readAllLines(dataDir.resolve("postmaster.pid")).get(3).strip());
    }

    private static long events(int port) throws SQLException {
        try (Connection connection =
                        DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/postgres?user=postgres");
                ResultSet rows = connection.createStatement().executeQuery("SELECT count(*) FROM lockstep.events")) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return 0; // not migrated yet
            }
            throw e;
        }
    }

    /** @return how many partitions each live node holds, from {@code GET /projections} */
    private static java.util.Map<String, Long> owners(Http http) throws Exception {
        java.util.Map<String, Long> owners = new java.util.HashMap<>();
        http.get("/projections")
                .json()
                .get("partitioned")
                .get(0)
                .get("partitions")
                .forEach(p -> owners.merge(
                        p.get("owner").isNull() ? "-" : p.get("owner").asText(), 1L, Long::sum));
        return owners;
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
