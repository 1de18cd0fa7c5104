package io.lockstep.vertx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.projection.FailurePolicy;
import io.lockstep.projection.ProjectionError;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.ProjectionStatus;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Faults that are not the events' fault, injected under a running projection on a PostgreSQL this test owns
 * (never the shared one): the server stopped and started again, a privilege revoked and granted again, an
 * ACCESS EXCLUSIVE lock held on the read-model table, the read model's tablespace full. For each, under both
 * failure policies: the state is STALLED and the health DOWN during the fault, nothing is dead-lettered, the
 * projection recovers without operator action, and the read model equals a fold of the log at the end. Each
 * test prints how long detection and recovery took ({@code FAULT ...} lines in the test output). And the one
 * fault that is an event's: a payload the reader cannot decode stops the projection, and once it is fixed in
 * the log the {@code resume} its error names (over the management HTTP API) carries on.
 */
class FaultInjectionTest {

    private static final String PROJECTOR = "faults_projector";
    private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(1);

    @TempDir
    static Path directory;

    static OwnedServer server;

    @BeforeAll
    static void startTheOwnedServer() {
        server = OwnedServer.start(directory);
        server.execute("postgres", "CREATE ROLE " + PROJECTOR + " LOGIN");
    }

    @AfterAll
    static void stopTheOwnedServer() {
        if (server != null) {
            server.close();
        }
    }

    private static FaultRig rig(String policy) {
        String database =
                "faults_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        return new FaultRig(
                server,
                database,
                PROJECTOR,
                "skip".equals(policy) ? FailurePolicy.skip() : FailurePolicy.stop(),
                LOCK_TIMEOUT);
    }

    @ParameterizedTest(name = "under {0}")
    @ValueSource(strings = {"stop", "skip"})
    void theServerStoppedAndStartedAgain(String policy) {
        try (FaultRig rig = rig(policy)) {
            // given: a running projection with work still to do when the server goes away
            rig.runner.start();
            rig.append(100);
            rig.awaitCaughtUp();
            rig.append(300);
            Timeline timeline = new Timeline("server stopped and started", policy);

            // when
            server.stop();

            // then
            timeline.awaitStalledAndDown(rig);
            assertNoEventBlamed(rig.status());
            timeline.faultEnds();
            server.start();
            timeline.awaitRecovered(rig);
            rig.append(50);
            rig.awaitCaughtUp();
            assertRecoveredAndCorrect(rig);
        }
    }

    @ParameterizedTest(name = "under {0}")
    @ValueSource(strings = {"stop", "skip"})
    void aPrivilegeRevokedAndGrantedAgain(String policy) {
        try (FaultRig rig = rig(policy)) {
            // given
            rig.runner.start();
            rig.append(100);
            rig.awaitCaughtUp();
            Timeline timeline = new Timeline("UPDATE revoked and granted", policy);

            // when
            rig.execute("REVOKE UPDATE ON balance FROM " + PROJECTOR);
            rig.append(300);

            // then: stalled on "permission denied", head and lag current
            timeline.awaitStalledAndDown(rig);
            rig.awaitHeadCurrent();
            ProjectionStatus during = rig.status();
            assertNoEventBlamed(during);
            assertThat(during.lastError().orElseThrow().message())
                    .contains("42501")
                    .contains("permission denied");
            assertThat(during.lagEvents())
                    .isEqualTo(rig.appended() - during.checkpoint())
                    .isPositive();
            timeline.faultEnds();
            rig.execute("GRANT UPDATE ON balance TO " + PROJECTOR);
            timeline.awaitRecovered(rig);
            assertRecoveredAndCorrect(rig);
        }
    }

    @ParameterizedTest(name = "under {0}")
    @ValueSource(strings = {"stop", "skip"})
    void anAccessExclusiveLockHeldOnTheReadModelTable(String policy) throws SQLException {
        try (FaultRig rig = rig(policy)) {
            // given
            rig.runner.start();
            rig.append(100);
            rig.awaitCaughtUp();
            Timeline timeline = new Timeline("ACCESS EXCLUSIVE lock held", policy);
            try (Connection holder = DriverManager.getConnection(server.url(rig.database, "postgres"));
                    Statement statement = holder.createStatement()) {
                holder.setAutoCommit(false);

                // when
                statement.execute("LOCK TABLE balance IN ACCESS EXCLUSIVE MODE");
                rig.append(300);

                // then: while the runner is blocked its head and lag are current and its step shows as busy
                await().atMost(FaultRig.PATIENCE).untilAsserted(() -> {
                    ProjectionStatus blocked = rig.status();
                    assertThat(blocked.headPosition()).isEqualTo(rig.appended());
                    assertThat(blocked.checkpoint()).isEqualTo(100);
                    assertThat(blocked.lagEvents()).isEqualTo(300);
                    assertThat(blocked.busySince().isPresent() || blocked.state() == ProjectionState.STALLED)
                            .isTrue();
                });
                timeline.awaitStalledAndDown(rig);
                assertNoEventBlamed(rig.status());
                assertThat(rig.status().lastError().orElseThrow().message()).contains("55P03");
                assertThat(StatusJson.of(rig.status()).getString("state")).isEqualTo("STALLED");
                assertThat(StatusJson.of(rig.status()).getJsonObject("stall")).isNotNull();
                assertThat(rig.gauge("lockstep.projection.state", "STALLED")).isEqualTo(1);
                assertThat(rig.gauge("lockstep.projection.stalled.seconds", null))
                        .isPositive();
                assertThat(rig.gauge("lockstep.projection.lag.events", null)).isEqualTo(300);
                assertThat(rig.gauge("lockstep.projection.head", null)).isEqualTo(400);
                timeline.faultEnds();
                holder.rollback();
            }
            timeline.awaitRecovered(rig);
            assertRecoveredAndCorrect(rig);
        }
    }

    @ParameterizedTest(name = "under {0}")
    @ValueSource(strings = {"stop", "skip"})
    void theReadModelsTablespaceFull(String policy) throws Exception {
        Path mount = directory.resolve("tiny-" + policy);
        Files.createDirectories(mount);
        Assumptions.assumeTrue(
                mountTmpfs(mount),
                "mounting a tmpfs needs root and CAP_SYS_ADMIN; here it failed,"
                        + " so disk-full is covered only by its SQLState (FailureClassificationTest, 53100)");
        String tablespace = "tiny_" + policy;
        try {
            Files.setOwner(mount, server.osUser());
            Files.setPosixFilePermissions(mount, PosixFilePermissions.fromString("rwx------"));
            server.execute("postgres", "CREATE TABLESPACE " + tablespace + " LOCATION '" + mount + "'");
            try (FaultRig rig = rig(policy)) {
                // given: the read model in a 3 MB tablespace that a filler table then fills up
                rig.execute("ALTER TABLE balance SET TABLESPACE " + tablespace);
                rig.runner.start();
                rig.append(100);
                rig.awaitCaughtUp();
                fill(rig, tablespace);
                Timeline timeline = new Timeline("tablespace full", policy);

                // when
                rig.appendNewAccounts(3000);

                // then
                timeline.awaitStalledAndDown(rig);
                assertNoEventBlamed(rig.status());
                assertThat(rig.status().lastError().orElseThrow().message()).contains("53100");
                timeline.faultEnds();
                rig.execute("DROP TABLE filler");
                timeline.awaitRecovered(rig);
                assertRecoveredAndCorrect(rig);
            }
        } finally {
            server.execute("postgres", "DROP TABLESPACE IF EXISTS " + tablespace);
            unmount(mount);
        }
    }

    @org.junit.jupiter.api.Test
    void aPoisonedPayloadFixedInTheLogRecoversWithTheResumeItsErrorNames() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (FaultRig rig = rig("stop")) {
            // given: a management HTTP API, and an event the reader cannot decode at position 51
            ProjectionManagement management = ProjectionManagement.create(vertx);
            management.register(rig.runner);
            HttpServer http = vertx.createHttpServer()
                    .requestHandler(management.httpHandler("/projections"))
                    .listen(0)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get();
            rig.runner.start();
            rig.append(50);
            rig.appendUndecodable("acc-3");
            rig.append(20);
            await().atMost(FaultRig.PATIENCE).until(() -> rig.status().state() == ProjectionState.FAILED);
            ProjectionError error = rig.status().lastError().orElseThrow();
            assertThat(error.position()).isEqualTo(51L);
            assertThat(error.message())
                    .contains("cannot decode")
                    .contains("fix the stored payload")
                    .contains("then resume");
            assertThat(rig.health()).isEqualTo(ProjectionHealth.Level.DOWN);
            assertThat(post(http, "/projections/" + FaultRig.NAME + "/resume"))
                    .as("a resume before the fix")
                    .isEqualTo(200);
            await().atMost(FaultRig.PATIENCE)
                    .until(() -> rig.status().state() == ProjectionState.FAILED
                            && rig.status()
                                    .lastError()
                                    .orElseThrow()
                                    .occurredAt()
                                    .isAfter(error.occurredAt()));

            // when: the payload is fixed in the log and the operator resumes as the error says
            rig.execute("UPDATE lockstep.events SET payload = jsonb_set(payload, '{amount}', '5')"
                    + " WHERE payload->>'amount' = 'lots'");
            int answer = post(http, "/projections/" + FaultRig.NAME + "/resume");

            // then
            assertThat(answer).isEqualTo(200);
            rig.awaitCaughtUp();
            await().atMost(FaultRig.PATIENCE).until(() -> rig.health() == ProjectionHealth.Level.UP);
            assertThat(rig.deadLetters()).isZero();
            assertThat(rig.readModel()).isEqualTo(rig.fold());
            assertThat(rig.readModel().get("acc-3").getFirst())
                    .as("the fixed deposit counts")
                    .isEqualTo(rig.fold().get("acc-3").getFirst());
            assertThat(rig.status().errorHistory())
                    .first()
                    .satisfies(
                            resolved -> assertThat(resolved.error().position()).isEqualTo(51L));
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    private static int post(HttpServer http, String path) throws IOException, InterruptedException {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.actualPort() + path))
                                    .POST(HttpRequest.BodyPublishers.noBody())
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .statusCode();
        }
    }

    /** Fills the tablespace with a table of incompressible rows until PostgreSQL says the disk is full. */
    private static void fill(FaultRig rig, String tablespace) throws SQLException {
        rig.execute("CREATE TABLE filler (pad text) TABLESPACE " + tablespace);
        try (Connection connection = DriverManager.getConnection(server.url(rig.database, "postgres"));
                Statement statement = connection.createStatement()) {
            for (int rows : new int[] {500, 10, 1}) {
                try {
                    while (true) {
                        statement.execute("INSERT INTO filler SELECT (SELECT string_agg(md5(random()::text || s), '')"
                                + " FROM generate_series(1, 30) s) FROM generate_series(1, " + rows + ") g");
                    }
                } catch (SQLException full) {
                    assertThat(full.getSQLState()).isEqualTo("53100");
                }
            }
        }
    }

    private static boolean mountTmpfs(Path mount) throws IOException, InterruptedException {
        return new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mount.toString())
                        .redirectErrorStream(true)
                        .start()
                        .waitFor()
                == 0;
    }

    private static void unmount(Path mount) throws IOException, InterruptedException {
        new ProcessBuilder("umount", mount.toString())
                .redirectErrorStream(true)
                .start()
                .waitFor();
    }

    private static void assertNoEventBlamed(ProjectionStatus status) {
        assertThat(status.state()).isEqualTo(ProjectionState.STALLED);
        ProjectionError error = status.lastError().orElseThrow();
        assertThat(error.position())
                .as("no event is blamed: %s", error.message())
                .isEqualTo(-1L);
        assertThat(status.stall()).isPresent();
    }

    private static void assertRecoveredAndCorrect(FaultRig rig) {
        ProjectionStatus status = rig.status();
        assertThat(status.state()).isEqualTo(ProjectionState.LIVE);
        assertThat(status.lagEvents()).isZero();
        assertThat(status.lastError()).isEmpty();
        assertThat(status.stall()).isEmpty();
        assertThat(status.errorHistory()).as("the fault moved to the history").isNotEmpty();
        assertThat(rig.health()).isEqualTo(ProjectionHealth.Level.UP);
        assertThat(rig.gauge("lockstep.projection.state", "LIVE")).isEqualTo(1);
        assertThat(rig.gauge("lockstep.projection.state", "STALLED")).isZero();
        assertThat(rig.gauge("lockstep.projection.stalled.seconds", null)).isZero();
        assertThat(rig.deadLetters()).as("dead letters").isZero();
        assertThat(rig.readModel()).isEqualTo(rig.fold());
        JsonObject json = StatusJson.of(status);
        assertThat(json.getJsonArray("errorHistory")).isNotEmpty();
        assertThat(json.containsKey("lastError")).isFalse();
    }

    /** Measures and prints how long a fault took to be detected and to be recovered from. */
    private static final class Timeline {
        private final String fault;
        private final String policy;
        private final long start = System.nanoTime();
        private long stalled;
        private long down;
        private long ended;

        Timeline(String fault, String policy) {
            this.fault = fault;
            this.policy = policy;
        }

        void awaitStalledAndDown(FaultRig rig) {
            await().atMost(FaultRig.PATIENCE).until(() -> rig.status().state() == ProjectionState.STALLED);
            stalled = System.nanoTime();
            await().atMost(FaultRig.PATIENCE).until(() -> rig.health() == ProjectionHealth.Level.DOWN);
            down = System.nanoTime();
            assertThat(rig.health.check(java.util.List.of(rig.status())).problems())
                    .singleElement()
                    .asString()
                    .contains("STALLED");
        }

        void faultEnds() {
            ended = System.nanoTime();
        }

        void awaitRecovered(FaultRig rig) {
            rig.awaitCaughtUp();
            await().atMost(FaultRig.PATIENCE).until(() -> rig.health() == ProjectionHealth.Level.UP);
            long recovered = System.nanoTime();
            System.out.printf(
                    "FAULT %-28s under %-4s: STALLED after %5d ms, health DOWN after %5d ms"
                            + " (stall bound %d ms); caught up and UP %5d ms after the fault ended%n",
                    fault,
                    policy,
                    millis(start, stalled),
                    millis(start, down),
                    FaultRig.STALL_BOUND.toMillis(),
                    millis(ended, recovered));
        }

        private static long millis(long from, long to) {
            return Duration.ofNanos(to - from).toMillis();
        }
    }
}
