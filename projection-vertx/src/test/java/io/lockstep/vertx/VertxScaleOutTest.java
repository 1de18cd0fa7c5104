package io.lockstep.vertx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.postgres.ProjectionNode;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.postgres.testing.PartitionWorkload;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.RetryPolicy;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two Vert.x instances (standing for two processes; the multi-process proof is projection-postgres's
 * ScaleOutTest) deploy the same verticle for a node: they share the partitions, management shows each partition's
 * owner and acts on the projection as a whole.
 */
class VertxScaleOutTest {

    static TestDatabase db;
    static PostgresEventLog log;
    Vertx first;
    Vertx second;

    @BeforeAll
    static void seed() {
        db = TestDatabase.create(16);
        PartitionWorkload.createTables(db);
        PartitionWorkload.seed(db, 200, 4_000);
        log = PostgresEventLog.builder(db.dataSource(), PartitionWorkload.TYPES).build();
        log.start();
    }

    @AfterAll
    static void drop() {
        log.close();
        db.close();
    }

    @BeforeEach
    void startAfresh() {
        db.execute("TRUNCATE lockstep.checkpoints, lockstep.leases, lockstep.nodes, lockstep.partition_skips, applied");
        first = Vertx.vertx();
        second = Vertx.vertx();
    }

    @AfterEach
    void close() throws Exception {
        join(first.close());
        join(second.close());
    }

    ProjectionManagement deploy(Vertx vertx, String node) throws Exception {
        return deploy(
                vertx, node, PartitionWorkload.projection(node, 4), runner -> runner.idleWait(Duration.ofMillis(50)));
    }

    ProjectionManagement deploy(
            Vertx vertx,
            String node,
            Projection<PostgresTransaction> projection,
            java.util.function.Consumer<ProjectionRunner.Builder<PostgresTransaction>> options)
            throws Exception {
        ProjectionManagement management = ProjectionManagement.create(vertx);
        ProjectionNode host = ProjectionNode.builder(
                        db.dataSource(),
                        PostgresProjectionStore.builder(db.dataSource()).build(),
                        log)
                .nodeId(node)
                .lease(Duration.ofSeconds(2))
                .heartbeat(Duration.ofMillis(100))
                .projection(projection, 4, options)
                .build();
        join(vertx.deployVerticle(() -> ProjectionVerticle.forHost(management, host), new DeploymentOptions()));
        return management;
    }

    @Test
    void twoInstancesShareThePartitionsAndOperateTheProjectionAsAWhole() throws Exception {
        // given
        ProjectionManagement one = deploy(first, "v1");
        ProjectionManagement two = deploy(second, "v2");

        // then: 2 + 2 partitions, every event applied once
        await().atMost(Duration.ofSeconds(30))
                .until(() -> applied() == 4_000 && owners(one).size() == 2);
        JsonObject status = join(one.execute(new ManagementCommand.Status()));
        JsonObject overview = status.getJsonArray("partitioned").getJsonObject(0);
        assertThat(overview.getJsonArray("partitions")).hasSize(4);
        assertThat(overview.getLong("projectedThrough"))
                .as("every event applied, in every partition")
                .isEqualTo(4_000L);
        assertThat(status.getJsonArray("projections")).hasSize(2); // this instance's two partition runners
        assertThat(PartitionWorkload.exactlyOnceViolations(db)).isEmpty();

        // when: a replay through the other instance
        join(two.execute(ManagementCommand.parse(
                new JsonObject().put("action", "replay").put("projection", PartitionWorkload.PROJECTION))));

        // then: every partition went back at once and the read model is rebuilt, once
        await().atMost(Duration.ofSeconds(30)).until(() -> applied() == 4_000);
        assertThat(PartitionWorkload.exactlyOnceViolations(db)).isEmpty();
        assertThatThrownBy(() -> join(one.execute(ManagementCommand.parse(new JsonObject()
                        .put("action", "replay")
                        .put("projection", one.statuses().getFirst().name())))))
                .hasCauseInstanceOf(ManagementException.class)
                .hasMessageContaining("replay or reset 'applied' as a whole");

        // when: the first instance goes away, the second takes everything
        join(first.close());
        first = Vertx.vertx();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> owners(two).equals(Set.of("v2")) && two.statuses().size() == 4);
    }

    @Test
    void aResumeOfAFailedPartitionAnswersWithTheStateAfterTheRetry() throws Exception {
        // given: one instance; the handler refuses tick 2,000 until it is fixed, so its partition FAILED
        AtomicBoolean broken = new AtomicBoolean(true);
        Projection<PostgresTransaction> refusing = Projection.<PostgresTransaction>builder(PartitionWorkload.PROJECTION)
                .on(PartitionWorkload.Tick.class, (event, envelope, tx) -> {
                    if (event.n() == 2_000 && broken.get()) {
                        throw new IllegalStateException("tick 2000 refused");
                    }
                    PartitionWorkload.record("v1", 4, envelope, tx);
                })
                .onReset(PartitionWorkload::clear)
                .build();
        ProjectionManagement one = deploy(
                first,
                "v1",
                refusing,
                runner -> runner.idleWait(Duration.ofMillis(50))
                        .retryPolicy(new RetryPolicy(1, Duration.ZERO, Duration.ZERO)));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> one.statuses().stream().anyMatch(s -> s.state() == ProjectionState.FAILED));

        // when: the cause is fixed and the projection resumed
        broken.set(false);
        JsonObject answer = join(one.execute(ManagementCommand.parse(
                new JsonObject().put("action", "resume").put("projection", PartitionWorkload.PROJECTION))));

        // then: the answer shows every local partition out of FAILED, and the projection completes once
        JsonArray partitions = answer.getJsonArray("partitions");
        assertThat(partitions).hasSize(4);
        for (int i = 0; i < partitions.size(); i++) {
            JsonObject local = partitions.getJsonObject(i).getJsonObject("local");
            assertThat(local).as("partition %d runs here", i).isNotNull();
            assertThat(local.getString("state")).as(local.encode()).isNotEqualTo("FAILED");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> applied() == 4_000);
        assertThat(PartitionWorkload.exactlyOnceViolations(db)).isEmpty();
    }

    private static Set<String> owners(ProjectionManagement management) throws Exception {
        JsonArray partitions = join(management.execute(new ManagementCommand.Status()))
                .getJsonArray("partitioned")
                .getJsonObject(0)
                .getJsonArray("partitions");
        Set<String> owners = new HashSet<>();
        for (int i = 0; i < partitions.size(); i++) {
            owners.add(partitions.getJsonObject(i).getString("owner"));
        }
        return owners;
    }

    private static long applied() {
        return db.queryLong("SELECT count(*) FROM applied");
    }

    private static <T> T join(Future<T> future)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
}
