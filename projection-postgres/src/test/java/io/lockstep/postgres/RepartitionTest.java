package io.lockstep.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.postgres.eventlog.ExpectedVersion;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.postgres.testing.PartitionWorkload;
import io.lockstep.postgres.testing.PartitionWorkload.Tick;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.CheckpointKey;
import io.lockstep.projection.Partition;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Re-partitioning online, 4 -> 8 -> 2 partitions, while appends go on: splits start from their parent's
 * checkpoint, merges from the smallest part's checkpoint skipping what the further parts applied (one part is
 * held back by a pause to make that gap large). Every event is applied exactly once, each stream in order.
 */
class RepartitionTest {

    private static final int STREAMS = 500;

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(16);

    @BeforeAll
    static void seed() {
        PartitionWorkload.createTables(db);
        PartitionWorkload.seed(db, STREAMS, 20_000);
    }

    @Test
    void splitsAndMergesUnderLoadApplyEveryEventOnceInStreamOrder() throws Exception {
        PostgresProjectionStore store =
                PostgresProjectionStore.builder(db.dataSource()).build();
        try (PostgresEventLog log = PostgresEventLog.builder(db.dataSource(), PartitionWorkload.TYPES)
                .build()) {
            log.start();
            AtomicBoolean appending = new AtomicBoolean(true);
            Thread appender = Thread.ofVirtual().start(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (appending.get()) {
                    log.append("s-" + random.nextInt(STREAMS), ExpectedVersion.any(), List.of(new Tick(1)));
                    LockSupport.parkNanos(3_000_000);
                }
            });

            // given: 4 partitions on two nodes
            List<ProjectionNode> four = nodes(store, log, 4, "a4", "b4");
            await().atMost(Duration.ofSeconds(30)).until(() -> applied() >= 10_000);

            // when: the nodes are replaced by nodes with 8 partitions (a split)
            four.forEach(ProjectionNode::close);
            List<ProjectionNode> eight = nodes(store, log, 8, "a8", "b8");
            long before = applied();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> applied() >= before + 5_000
                            && db.queryLong("SELECT count(*) FROM lockstep.leases WHERE partition_count = 8") == 8);

            // and: one of the 8 is held back, the others go on; then nodes with 2 partitions take over (a merge)
            CheckpointKey laggard = CheckpointKey.of(new Partition(5, 8).checkpointName(PartitionWorkload.PROJECTION));
            store.setPaused(laggard, true);
            long paused = applied();
            await().atMost(Duration.ofSeconds(30)).until(() -> applied() >= paused + 500);
            eight.forEach(ProjectionNode::close);
            store.setPaused(laggard, false);
            List<ProjectionNode> two = nodes(store, log, 2, "a2", "b2");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> db.queryLong("SELECT count(*) FROM lockstep.leases WHERE partition_count = 2") == 2);
            long skips = db.queryLong("SELECT count(*) FROM lockstep.partition_skips");

            appending.set(false);
            appender.join();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> db.queryLong("SELECT count(*) FROM lockstep.event_log") == applied()
                            && db.queryLong("SELECT count(*) FROM lockstep.event_log")
                                    == db.queryLong("SELECT count(*) FROM lockstep.events"));
            two.forEach(ProjectionNode::close);

            // then
            assertThat(skips).as("the merge had parts at different checkpoints").isPositive();
            assertThat(PartitionWorkload.exactlyOnceViolations(db)).isEmpty();
            assertThat(PartitionWorkload.orderViolations(db)).isZero();
            assertThat(PartitionWorkload.leaseViolations(db)).isZero();
            assertThat(db.queryLong("SELECT count(*) FROM lockstep.leases")).isEqualTo(2);
        }
    }

    private static List<ProjectionNode> nodes(
            PostgresProjectionStore store, PostgresEventLog log, int partitions, String... ids) {
        return java.util.Arrays.stream(ids)
                .map(id -> {
                    ProjectionNode node = ProjectionNode.builder(db.dataSource(), store, log)
                            .nodeId(id)
                            .lease(Duration.ofSeconds(2))
                            .heartbeat(Duration.ofMillis(100))
                            .projection(
                                    PartitionWorkload.projection(id, partitions),
                                    partitions,
                                    runner -> runner.batchSize(200).idleWait(Duration.ofMillis(50)))
                            .build();
                    node.start();
                    return node;
                })
                .toList();
    }

    private static long applied() {
        return db.queryLong("SELECT count(*) FROM applied");
    }
}
