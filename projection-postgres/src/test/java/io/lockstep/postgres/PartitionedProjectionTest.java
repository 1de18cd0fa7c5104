package io.lockstep.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lockstep.postgres.eventlog.ExpectedVersion;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.postgres.internal.JdbcConnections;
import io.lockstep.postgres.testing.PartitionWorkload;
import io.lockstep.postgres.testing.PartitionWorkload.Tick;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.CheckpointConflictException;
import io.lockstep.projection.CheckpointKey;
import io.lockstep.projection.Envelope;
import io.lockstep.projection.EventSource;
import io.lockstep.projection.Partition;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.RetryPolicy;
import io.lockstep.projection.StatementMode;
import io.lockstep.projection.StreamBuckets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Partitioned projections in one process: buckets, partition reads, nodes, leases, fencing, replay. */
class PartitionedProjectionTest {

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(16);

    PostgresEventLog log;
    PostgresProjectionStore store;
    final List<ProjectionNode> nodes = new ArrayList<>();

    @BeforeAll
    static void createTables() {
        PartitionWorkload.createTables(db);
    }

    @BeforeEach
    void emptyEverything() {
        db.emptyEventLog("lockstep.checkpoints", "lockstep.leases", "lockstep.nodes", "applied");
        log = PostgresEventLog.builder(db.dataSource(), PartitionWorkload.TYPES).build();
        store = PostgresProjectionStore.builder(db.dataSource()).build();
    }

    @AfterEach
    void stop() {
        nodes.forEach(ProjectionNode::close);
        nodes.clear();
        log.close();
    }

    ProjectionNode node(String id, int partitions) {
        ProjectionNode node = ProjectionNode.builder(db.dataSource(), store, log)
                .nodeId(id)
                .lease(Duration.ofSeconds(2))
                .heartbeat(Duration.ofMillis(100))
                .projection(
                        PartitionWorkload.projection(id, partitions),
                        partitions,
                        runner -> runner.batchSize(200).idleWait(Duration.ofMillis(50)))
                .build();
        nodes.add(node);
        return node;
    }

    long owned(String node) {
        return db.queryLong(
                "SELECT count(*) FROM lockstep.leases WHERE owner = '" + node + "' AND expires_at > clock_timestamp()");
    }

    long appliedCount() {
        return db.queryLong("SELECT count(*) FROM applied");
    }

    @Test
    void javaAndPostgresGiveEveryStreamTheSameBucket() {
        // given
        List<String> streams = new ArrayList<>(List.of("ada-1", "é€ 𝄞", "x".repeat(500)));
        for (int i = 0; i < 200; i++) {
            streams.add(UUID.randomUUID().toString());
        }
        streams.forEach(s -> log.append(s, ExpectedVersion.any(), List.of(new Tick(1))));

        // then
        for (String s : streams) {
            long stored = db.queryLong("SELECT bucket FROM lockstep.events WHERE stream_id = '" + s + "'");
            assertThat(stored).as(s).isEqualTo(StreamBuckets.of(s));
        }
        log.sequence();
        assertThat(db.queryLong("SELECT count(*) FROM lockstep.event_log l JOIN lockstep.events e"
                        + " ON e.id = l.event_id WHERE l.bucket <> e.bucket"))
                .isZero();
    }

    @Test
    void partitionsReadOnlyTheirOwnEventsAndTogetherEveryEventOnce() {
        // given
        PartitionWorkload.seed(db, 300, 5_000);
        log.sequence();

        // when
        Set<Long> seen = new HashSet<>();
        for (Partition partition : Partition.all(4)) {
            EventSource source = log.partition(partition);
            long after = -1;
            for (List<Envelope> batch = source.read(after, 97); !batch.isEmpty(); batch = source.read(after, 97)) {
                for (Envelope envelope : batch) {
                    assertThat(envelope.position()).isGreaterThan(after);
                    assertThat(partition.containsStream(envelope.streamId())).isTrue();
                    assertThat(seen.add(envelope.position())).isTrue();
                    after = envelope.position();
                }
            }
        }

        // then
        assertThat(seen).hasSize(5_000);
    }

    @Test
    void aNodeRunsEveryPartitionAndAppliesEveryEventOnceInStreamOrder() {
        // given
        PartitionWorkload.seed(db, 500, 20_000);
        log.start();
        ProjectionNode node = node("solo", 4);

        // when
        node.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> appliedCount() == 20_000);

        // then
        assertThat(node.running()).hasSize(4);
        assertThat(PartitionWorkload.exactlyOnceViolations(db)).isEmpty();
        assertThat(PartitionWorkload.orderViolations(db)).isZero();
        assertThat(PartitionWorkload.leaseViolations(db)).isZero();
        assertThat(node.status(PartitionWorkload.PROJECTION))
                .hasSize(4)
                .allSatisfy(s -> assertThat(s.owner()).contains("solo"));
    }

    @Test
    void nodesShareThePartitionsEvenlyAndAStoppedNodeHandsItsPartitionsOverAtOnce() {
        // given
        log.start();
        ProjectionNode a = node("a", 8);
        a.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> owned("a") == 8);

        // when: b and c join
        node("b", 8).start();
        node("c", 8).start();

        // then: 3, 3, 2 in some order
        await().atMost(Duration.ofSeconds(10))
                .until(() -> owned("a") + owned("b") + owned("c") == 8
                        && Math.max(owned("a"), Math.max(owned("b"), owned("c")))
                                        - Math.min(owned("a"), Math.min(owned("b"), owned("c")))
                                <= 1);

        // when: a stops
        a.close();
        nodes.remove(a);

        // then: its partitions move at the next heartbeats, well before its lease would have expired
        assertThat(owned("a")).isZero();
        await().atMost(Duration.ofSeconds(1)).until(() -> owned("b") == 4 && owned("c") == 4);
    }

    @Test
    void aRollingRestartOfEveryNodeUnderLoadLosesAndDoublesNothing() throws Exception {
        // given: three nodes sharing 8 partitions while appends go on
        PartitionWorkload.seed(db, 300, 10_000);
        log.start();
        List<ProjectionNode> live = new ArrayList<>(List.of(node("r1", 8), node("r2", 8), node("r3", 8)));
        live.forEach(ProjectionNode::start);
        AtomicBoolean appending = new AtomicBoolean(true);
        Thread appender = Thread.ofVirtual().start(() -> {
            while (appending.get()) {
                log.append(
                        "s-" + java.util.concurrent.ThreadLocalRandom.current().nextInt(300),
                        ExpectedVersion.any(),
                        List.of(new Tick(1)));
                java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
            }
        });
        long maxLag = 0;

        // when: each node in turn stops and a new one takes its place
        for (int i = 0; i < 3; i++) {
            ProjectionNode old = live.removeFirst();
            old.close();
            nodes.remove(old);
            ProjectionNode fresh = node("r" + (4 + i), 8);
            fresh.start();
            live.add(fresh);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> live.stream().allMatch(n -> owned(n.nodeId()) >= 2)
                            && live.stream().mapToLong(n -> owned(n.nodeId())).sum() == 8);
            maxLag = Math.max(maxLag, db.queryLong("SELECT count(*) FROM lockstep.event_log") - appliedCount());
        }
        appending.set(false);
        appender.join();

        // then
        await().atMost(Duration.ofSeconds(30))
                .until(() -> appliedCount() == db.queryLong("SELECT count(*) FROM lockstep.event_log")
                        && db.queryLong("SELECT count(*) FROM lockstep.events") == appliedCount());
        assertThat(PartitionWorkload.exactlyOnceViolations(db)).isEmpty();
        assertThat(PartitionWorkload.orderViolations(db)).isZero();
        assertThat(PartitionWorkload.leaseViolations(db)).isZero();
        assertThat(maxLag)
                .as("events not yet applied at each step (bounded, not growing without end)")
                .isLessThan(10_000 + 5_000);
    }

    @Test
    void projectedThroughIsTheHeadOnceEveryPartitionCaughtUpAndStopsBeforeTheFirstEventAPartitionOwes() {
        // given: 4 partitions, nothing applied yet
        PartitionWorkload.seed(db, 200, 3_000);
        log.start();
        ProjectionNode node = node("solo", 4);
        await().atMost(Duration.ofSeconds(10)).until(() -> log.headPosition() == 3_000);
        long head = log.headPosition();
        assertThat(node.projectedThrough(PartitionWorkload.PROJECTION)).isZero();

        // when: the node catches up
        node.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> node.projectedThrough(PartitionWorkload.PROJECTION) == head);

        // then: the head, although the partitions whose streams are quiet keep checkpoints behind it
        assertThat(db.queryLong("SELECT min(position) FROM lockstep.checkpoints WHERE projection LIKE 'applied[%'"))
                .isLessThan(head);
        assertThat(appliedCount()).isEqualTo(3_000);

        // when: paused, one more event for partition 2 and then one for partition 1
        node.pause(PartitionWorkload.PROJECTION);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> node.runners().stream()
                        .allMatch(r -> r.status().state() == io.lockstep.projection.ProjectionState.PAUSED));
        log.append(streamOf(new Partition(2, 4)), ExpectedVersion.any(), List.of(new Tick(1)));
        log.append(streamOf(new Partition(1, 4)), ExpectedVersion.any(), List.of(new Tick(1)));
        await().atMost(Duration.ofSeconds(5)).until(() -> log.headPosition() == head + 2);

        // then: it stops before partition 2's event, which is not applied
        assertThat(node.projectedThrough(PartitionWorkload.PROJECTION)).isEqualTo(head);

        // when: resumed, then: the new head
        node.resume(PartitionWorkload.PROJECTION);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> node.projectedThrough(PartitionWorkload.PROJECTION) == head + 2);
        assertThat(appliedCount()).isEqualTo(3_002);
        assertThatThrownBy(() -> node.projectedThrough("nope"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nope");
    }

    @Test
    void aResumeOfTheNodeRetriesAFailedPartitionFromItsCheckpointOnceTheCauseIsFixed() {
        // given: 2 partitions under stop(); the handler refuses one event until it is fixed
        PartitionWorkload.seed(db, 100, 1_000);
        log.start();
        AtomicBoolean broken = new AtomicBoolean(true);
        ProjectionNode node = refusingNode("solo", broken, Duration.ofSeconds(2));
        assertThat(ProjectionNode.declaredPartitions(store, PartitionWorkload.PROJECTION))
                .as("no node ran it yet")
                .isEmpty();
        node.start();
        assertThat(ProjectionNode.declaredPartitions(store, PartitionWorkload.PROJECTION))
                .as("tools find the count the nodes run")
                .hasValue(2);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> node.runners().stream().anyMatch(r -> r.status().state() == ProjectionState.FAILED));
        ProjectionRunner failed = node.runners().stream()
                .filter(r -> r.status().state() == ProjectionState.FAILED)
                .findFirst()
                .orElseThrow();
        assertThat(failed.status().lastError().orElseThrow().message())
                .contains("then resume")
                .as("a reset of the projection would move every partition's checkpoint")
                .doesNotContain("reset to");

        // when: the cause is fixed and the operator resumes the projection, as the error says
        broken.set(false);
        node.resume(PartitionWorkload.PROJECTION);

        // then
        await().atMost(Duration.ofSeconds(30)).until(() -> appliedCount() == 1_000);
        assertThat(PartitionWorkload.exactlyOnceViolations(db)).isEmpty();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> node.runners().stream().allMatch(r -> r.status().state() == ProjectionState.LIVE));
    }

    @Test
    void aResumeThroughAnotherNodeEndsTheFailureWhereThePartitionRunsAndKeepsAPauseGivenAfterIt() {
        // given: 2 partitions over 2 nodes under stop(); the handler refuses one event until it is fixed
        PartitionWorkload.seed(db, 100, 1_000);
        log.start();
        AtomicBoolean broken = new AtomicBoolean(true);
        java.util.Map<String, ProjectionNode> byId = new java.util.HashMap<>();
        for (String id : List.of("a", "b")) {
            ProjectionNode node = refusingNode(id, broken, Duration.ofSeconds(5));
            byId.put(id, node);
            node.start();
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> byId.values().stream().allMatch(n -> n.runners().size() == 1)
                        && byId.values().stream()
                                .anyMatch(n -> n.runners().getFirst().status().state() == ProjectionState.FAILED));
        ProjectionNode failing = byId.values().stream()
                .filter(n -> n.runners().getFirst().status().state() == ProjectionState.FAILED)
                .findFirst()
                .orElseThrow();
        ProjectionNode other = byId.get(failing == byId.get("a") ? "b" : "a");

        // when: the cause is fixed; the operator resumes through the node that does not run the failed partition,
        // and pauses at once, before the owner's next heartbeat
        broken.set(false);
        other.resume(PartitionWorkload.PROJECTION);
        other.pause(PartitionWorkload.PROJECTION);

        // then: the owner's heartbeat ends the failure, and the pause given after the resume holds
        await().atMost(Duration.ofSeconds(30))
                .until(() -> failing.runners().getFirst().status().state() == ProjectionState.PAUSED);
        assertThat(store.readCheckpoint(failing.runners().getFirst().key()).paused())
                .isTrue();

        // and when: resumed again through the other node, the partition goes on where it failed
        other.resume(PartitionWorkload.PROJECTION);
        await().atMost(Duration.ofSeconds(30)).until(() -> appliedCount() == 1_000);
        assertThat(PartitionWorkload.exactlyOnceViolations(db)).isEmpty();
    }

    /**
     * A node (registered for closing, not started) running the projection in 2 partitions under stop(), with one
     * attempt per failure; its handler refuses tick 500 while {@code broken} is set.
     */
    private ProjectionNode refusingNode(String id, AtomicBoolean broken, Duration lease) {
        Projection<PostgresTransaction> refusing = Projection.<PostgresTransaction>builder(PartitionWorkload.PROJECTION)
                .on(Tick.class, (event, envelope, tx) -> {
                    if (event.n() == 500 && broken.get()) {
                        throw new IllegalStateException("tick 500 refused");
                    }
                    PartitionWorkload.record(id, 2, envelope, tx);
                })
                .onReset(PartitionWorkload::clear)
                .build();
        ProjectionNode node = ProjectionNode.builder(db.dataSource(), store, log)
                .nodeId(id)
                .lease(lease)
                .heartbeat(Duration.ofMillis(100))
                .projection(
                        refusing,
                        2,
                        runner -> runner.batchSize(200)
                                .idleWait(Duration.ofMillis(50))
                                .retryPolicy(new RetryPolicy(1, Duration.ZERO, Duration.ZERO)))
                .build();
        nodes.add(node);
        return node;
    }

    static String streamOf(Partition partition) {
        for (int i = 0; ; i++) {
            if (partition.containsStream("quiet-" + i)) {
                return "quiet-" + i;
            }
        }
    }

    @Test
    void replaySetsEveryPartitionBackInOneTransaction() throws Exception {
        // given: all events applied, then paused (so nothing moves after the replay)
        PartitionWorkload.seed(db, 200, 5_000);
        log.start();
        ProjectionNode node = node("solo", 4);
        node.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> appliedCount() == 5_000);
        node.pause(PartitionWorkload.PROJECTION);
        String state = "SELECT (SELECT count(*) FROM applied) || ':' || (SELECT string_agg(position::text, ','"
                + " ORDER BY projection) FROM lockstep.checkpoints WHERE projection LIKE 'applied[%')";
        String before = text(state);
        AtomicBoolean replayed = new AtomicBoolean();
        Set<String> seen = new HashSet<>();

        // when: a reader watches while the replay runs
        Thread reader = Thread.ofVirtual().start(() -> {
            while (!replayed.get()) {
                seen.add(text(state));
            }
        });
        node.replay(PartitionWorkload.PROJECTION);
        String after = text(state);
        replayed.set(true);
        reader.join();

        // then: the reader saw the state before or the state after, nothing between
        assertThat(after).isEqualTo("0:-1,-1,-1,-1");
        assertThat(seen).isSubsetOf(before, after);
        assertThat(node.status(PartitionWorkload.PROJECTION))
                .as("every partition at -1 has all 5000 events (positions 1..5000) ahead, not 5001")
                .allSatisfy(partition -> assertThat(partition.lagBound()).isEqualTo(5_000));
    }

    @Nested
    class Fencing {

        final NodeLeases a = leases("a");
        final NodeLeases b = leases("b");
        final CheckpointKey key = CheckpointKey.of("fenced");

        NodeLeases leases(String node) {
            return new NodeLeases(
                    new JdbcConnections(db.dataSource(), "test"),
                    LeaseSql.forSchema("lockstep"),
                    node,
                    Duration.ofSeconds(30));
        }

        @BeforeEach
        void declare() {
            a.declare("", "fenced", List.of(Partition.WHOLE));
        }

        void advance(Lease lease, long from, long to) {
            new LeaseFencedStore(store, a, lease, () -> {}).inTransaction(StatementMode.IMMEDIATE, tx -> {
                new LeaseFencedStore(store, a, lease, () -> {}).advanceCheckpoint(tx, key, from, to);
                return null;
            });
        }

        @Test
        void aNodeWhoseLeaseExpiredAndWasTakenCommitsNothing() {
            // given: a holds the lease and commits
            Lease lease = a.claim("", "fenced", 1, 1).getFirst().lease();
            advance(lease, -1, 10);

            // when: a's lease runs out (a frozen node) and b takes it over
            db.execute("UPDATE lockstep.leases SET expires_at = clock_timestamp() - interval '1 second'");
            assertThat(b.claim("", "fenced", 1, 1)).hasSize(1);

            // then: a's next batch is refused and changes nothing
            assertThatThrownBy(() -> advance(lease, 10, 20))
                    .isInstanceOf(CheckpointConflictException.class)
                    .hasMessageContaining("no longer holds the lease");
            assertThat(store.readCheckpoint(key).position()).isEqualTo(10);
        }

        @Test
        void aTakeoverWaitsForTheBatchInFlightAndThatBatchCannotCommitOnceItsLeaseExpired() throws Exception {
            // given: a claims with a 30 s lease, and a batch of a holds the lease row
            Lease lease = a.claim("", "fenced", 1, 1).getFirst().lease();
            try (Connection batch = db.openConnection()) {
                batch.setAutoCommit(false);
                assertThat(a.hold(batch, lease)).isTrue();

                // when: someone tries to end the lease meanwhile: the row is share-locked, so that waits
                try (Connection other = db.openConnection();
                        Statement s = other.createStatement()) {
                    s.execute("SET lock_timeout = '100ms'");
                    assertThatThrownBy(() -> s.executeUpdate("UPDATE lockstep.leases SET expires_at ="
                                    + " clock_timestamp() - interval '1 second'"))
                            .hasMessageContaining("lock timeout");
                }

                // then: b cannot take it while the batch is in flight
                assertThat(b.claim("", "fenced", 1, 1)).isEmpty();
                batch.rollback();
            }
            db.execute("UPDATE lockstep.leases SET expires_at = clock_timestamp() - interval '1 second'");
            try (Connection batch = db.openConnection()) {
                batch.setAutoCommit(false);
                assertThat(a.hold(batch, lease)).isFalse();
                assertThat(a.stillHeld(batch, lease)).isFalse();
                batch.rollback();
            }
            assertThat(b.claim("", "fenced", 1, 1)).hasSize(1);
        }
    }

    static String text(String sql) {
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rows = s.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
