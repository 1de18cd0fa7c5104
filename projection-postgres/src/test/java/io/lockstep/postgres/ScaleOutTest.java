package io.lockstep.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.postgres.eventlog.ExpectedVersion;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.postgres.testing.PartitionWorkload;
import io.lockstep.postgres.testing.PartitionWorkload.Tick;
import io.lockstep.postgres.testing.TestDatabase;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three node processes share a partitioned projection over a 100,000-event log while appends go on: one is
 * killed with SIGKILL, one frozen with SIGSTOP past its lease and then woken. At the end every event was
 * applied exactly once, each stream in version order, and every row was committed by the node that held its
 * partition's lease in that very transaction (and never under an older epoch after a newer one).
 */
class ScaleOutTest {

    private static final Logger LOG = LoggerFactory.getLogger(ScaleOutTest.class);
    private static final int EVENTS = 100_000;
    private static final int STREAMS = 2_000;
    private static final int PARTITIONS = 8;
    private static final long LEASE_MS = 5_000;
    private static final long HEARTBEAT_MS = 500;

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(8);

    final List<Process> children = new ArrayList<>();

    @BeforeAll
    static void seed() {
        PartitionWorkload.createTables(db);
        PartitionWorkload.seed(db, STREAMS, EVENTS);
    }

    @Test
    void everyEventOnceInStreamOrderAndOnlyUnderItsLeaseThroughKillAndFreeze() throws Exception {
        try (PostgresEventLog log = PostgresEventLog.builder(db.dataSource(), PartitionWorkload.TYPES)
                .build()) {
            log.start();
            AtomicBoolean appending = new AtomicBoolean(true);
            AtomicLong appended = new AtomicLong();
            Thread appender = Thread.ofVirtual().start(() -> append(log, appending, appended));
            try {
                run();
                appending.set(false);
                appender.join();
                LOG.info("appended {} events during the run", appended.get());
                await().atMost(Duration.ofSeconds(60)).until(() -> sequenced() == EVENTS + appended.get());
            } finally {
                appending.set(false);
                appender.join();
                children.forEach(Process::destroyForcibly); // SIGKILL also ends a frozen child
                for (Process child : children) {
                    child.waitFor();
                }
            }
        }
        // then
        assertThat(PartitionWorkload.exactlyOnceViolations(db)).isEmpty();
        assertThat(PartitionWorkload.orderViolations(db)).isZero();
        assertThat(PartitionWorkload.leaseViolations(db)).isZero();
    }

    private void run() throws Exception {
        // given: three nodes sharing 8 partitions, 3 + 3 + 2
        Process n1 = start("n1");
        Process n2 = start("n2");
        start("n3");
        // (generous bounds: JVMs start slowly on a loaded machine; timings are the benchmark's business)
        await().atMost(Duration.ofSeconds(90))
                .until(() -> owned("n1") >= 2
                        && owned("n2") >= 2
                        && owned("n3") >= 2
                        && owned("n1") + owned("n2") + owned("n3") == PARTITIONS);
        await().atMost(Duration.ofSeconds(60)).until(() -> applied() >= EVENTS / 4);

        // when: n1 is killed; its leases expire and the others share its partitions, 4 + 4
        n1.destroyForcibly().waitFor();
        long killed = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).until(() -> owned("n2") == 4 && owned("n3") == 4);
        LOG.info("n1's partitions taken over {} ms after SIGKILL", (System.nanoTime() - killed) / 1_000_000);

        // when: n2 is frozen past its lease: n3 takes everything; then n2 wakes and takes its share back
        signal(n2, "STOP");
        await().atMost(Duration.ofSeconds(30)).until(() -> owned("n3") == PARTITIONS);
        long appliedWhileFrozen = applied();
        signal(n2, "CONT");
        await().atMost(Duration.ofSeconds(30)).until(() -> owned("n2") == 4 && owned("n3") == 4);
        await().atMost(Duration.ofSeconds(30)).until(() -> applied() > appliedWhileFrozen + 1_000);
    }

    private void append(PostgresEventLog log, AtomicBoolean appending, AtomicLong appended) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (appending.get()) {
            log.append("s-" + random.nextInt(STREAMS), ExpectedVersion.any(), List.of(new Tick(random.nextLong())));
            appended.incrementAndGet();
            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000); // about 400 appends/s
        }
    }

    private long sequenced() {
        long count = db.queryLong("SELECT count(*) FROM lockstep.event_log");
        return count == db.queryLong("SELECT count(*) FROM applied") ? count : -1;
    }

    private static long owned(String node) {
        return db.queryLong(
                "SELECT count(*) FROM lockstep.leases WHERE owner = '" + node + "' AND expires_at > clock_timestamp()");
    }

    private static long applied() {
        return db.queryLong("SELECT count(*) FROM applied");
    }

    private static void signal(Process process, String signal) throws Exception {
        int exit = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .inheritIO()
                .start()
                .waitFor();
        assertThat(exit).as("kill -" + signal).isZero();
    }

    private Process start(String node) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log = Path.of("target", "scale-out-" + node + ".log");
        Process child = new ProcessBuilder(
                        java,
                        "-Xmx256m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        ScaleOutChild.class.getName(),
                        db.jdbcUrl(),
                        node,
                        Integer.toString(PARTITIONS),
                        Long.toString(LEASE_MS),
                        Long.toString(HEARTBEAT_MS))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .directory(new File(System.getProperty("user.dir")))
                .start();
        children.add(child);
        return child;
    }
}
