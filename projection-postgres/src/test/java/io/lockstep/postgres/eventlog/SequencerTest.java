package io.lockstep.postgres.eventlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.Envelope;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sequencer: dense positions in commit order, no stall behind unrelated long transactions, no position
 * given twice or skipped when several sequencers run, and an honest backlog.
 */
class SequencerTest {

    private static final Duration QUICKLY = Duration.ofSeconds(5);

    record Noted(String note) {}

    static final EventTypes TYPES =
            EventTypes.builder().register("Noted", Noted.class).build();

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(24);

    final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void emptyTheLog() {
        db.emptyEventLog();
    }

    @AfterEach
    void closeWhatTheTestOpened() throws Exception {
        for (AutoCloseable closeable : toClose.reversed()) {
            closeable.close();
        }
    }

    @Nested
    class CommitOrder {

        @Test
        void anEventAppendedFirstButCommittedLastGetsTheHigherPosition() throws Exception {
            // given: A appends before B (so A's row has the lower id), B commits first
            PostgresEventLog log = log();
            Connection a = transaction();
            Connection b = transaction();
            log.appendInTransaction(a, "a", ExpectedVersion.noStream(), List.of(new Noted("appended first")), Map.of());
            log.appendInTransaction(
                    b, "b", ExpectedVersion.noStream(), List.of(new Noted("appended second")), Map.of());
            b.commit();

            // when
            long whileAWasOpen = log.sequence();
            a.commit();
            long afterACommitted = log.sequence();

            // then
            assertThat(db.queryLong("SELECT count(*) FROM lockstep.events a, lockstep.events b"
                            + " WHERE a.stream_id = 'a' AND b.stream_id = 'b' AND a.id < b.id"))
                    .as("A's row id is lower")
                    .isOne();
            assertThat(whileAWasOpen).isOne();
            assertThat(afterACommitted).isOne();
            assertThat(log.read(-1, 10))
                    .extracting(Envelope::position, Envelope::streamId)
                    .containsExactly(tuple(1L, "b"), tuple(2L, "a"));
        }

        @Test
        void aStartedLogSequencesAnEventWhileAnEarlierAppendersTransactionIsStillOpen() throws Exception {
            // given
            PostgresEventLog log = started(log());
            Connection a = transaction();
            log.appendInTransaction(a, "a", ExpectedVersion.noStream(), List.of(new Noted("slow")), Map.of());

            // when
            log.append("b", ExpectedVersion.noStream(), List.of(new Noted("quick")));

            // then
            await().atMost(QUICKLY).until(() -> log.headPosition() == 1);
            assertThat(log.read(-1, 10)).extracting(Envelope::streamId).containsExactly("b");
            a.commit();
            await().atMost(QUICKLY).until(() -> log.headPosition() == 2);
            assertThat(log.read(-1, 10)).extracting(Envelope::streamId).containsExactly("b", "a");
        }
    }

    @Nested
    class LongTransactions {

        @Test
        void doesNotStallBehindAnUnrelatedTransactionThatHoldsAnXid() throws Exception {
            // given: an unrelated session with the oldest running transaction id
            PostgresEventLog log = started(log());
            Connection holder = transaction();
            long holderXid = queryLong(holder, "SELECT pg_current_xact_id()::text::bigint");
            long holderPid = queryLong(holder, "SELECT pg_backend_pid()");

            // when
            for (int i = 0; i < 20; i++) {
                log.append("s" + i % 4, ExpectedVersion.any(), List.of(new Noted("n" + i)));
            }

            // then
            await().atMost(QUICKLY).until(() -> log.headPosition() == 20);
            assertThat(db.queryLong("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
                    .as("the snapshot horizon is still held back by the holder")
                    .isLessThanOrEqualTo(holderXid);
            assertThat(db.queryLong("SELECT count(*) FROM pg_stat_activity WHERE pid = " + holderPid
                            + " AND state = 'idle in transaction' AND backend_xid IS NOT NULL"))
                    .as("the holder's transaction is still open")
                    .isOne();
            assertThat(log.sequencerStatus().backlog()).isZero();
        }

        @Test
        void aLongTransactionsEventsArePositionedAfterThoseThatCommittedWhileItWasOpen() throws Exception {
            // given: a long transaction appends first, then others append and commit
            PostgresEventLog log = started(log());
            Connection slow = transaction();
            log.appendInTransaction(
                    slow, "slow", ExpectedVersion.noStream(), List.of(new Noted("s0"), new Noted("s1")), Map.of());
            for (int i = 0; i < 5; i++) {
                log.append("quick-" + i, ExpectedVersion.noStream(), List.of(new Noted("q" + i)));
            }
            await().atMost(QUICKLY).until(() -> log.headPosition() == 5);

            // when
            slow.commit();

            // then
            await().atMost(QUICKLY).until(() -> log.headPosition() == 7);
            List<Envelope> events = log.read(-1, 10);
            assertThat(events).extracting(Envelope::position).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
            assertThat(events.subList(5, 7))
                    .extracting(Envelope::streamId, Envelope::streamVersion)
                    .containsExactly(tuple("slow", 0L), tuple("slow", 1L));
        }
    }

    @Nested
    class SeveralSequencers {

        private static final int WRITERS = 6;
        private static final int APPENDS_EACH = 150;
        private static final int STREAMS = 12;

        @Test
        void twoStartedLogsAndManualTicksNeverGiveAPositionTwiceOrSkipOne() throws Exception {
            // given: two started logs on one database, plus a thread ticking by hand
            PostgresEventLog first = started(PostgresEventLog.builder(db.dataSource(), TYPES)
                    .tickInterval(Duration.ofMillis(10))
                    .build());
            started(PostgresEventLog.builder(db.dataSource(), TYPES)
                    .tickInterval(Duration.ofMillis(10))
                    .build());
            PostgresEventLog manual = log();
            ExecutorService threads = Executors.newFixedThreadPool(WRITERS + 1);
            AtomicLong conflicts = new AtomicLong();
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicLong manualTicks = new AtomicLong();
            CountDownLatch start = new CountDownLatch(1);
            try {
                Future<?> ticker = threads.submit(() -> {
                    start.await();
                    while (writing.get()) {
                        manual.sequence();
                        manualTicks.incrementAndGet();
                    }
                    return null;
                });
                List<Future<?>> writers = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    Random random = new Random(w);
                    String writer = "w" + w;
                    writers.add(threads.submit(() -> {
                        start.await();
                        for (int i = 0; i < APPENDS_EACH; i++) {
                            appendSometimesSlowly(first, random, writer + "-" + i, conflicts);
                        }
                        return null;
                    }));
                }

                // when
                start.countDown();
                for (Future<?> writer : writers) {
                    writer.get(60, TimeUnit.SECONDS);
                }
                writing.set(false);
                ticker.get(10, TimeUnit.SECONDS);
            } finally {
                writing.set(false);
                threads.shutdownNow();
                threads.awaitTermination(30, TimeUnit.SECONDS);
            }
            long stored = db.queryLong("SELECT count(*) FROM lockstep.events");
            await().atMost(QUICKLY)
                    .until(() -> first.sequencerStatus().backlog() == 0 && first.headPosition() == stored);

            // then
            assertThat(manualTicks.get()).as("manual ticks (setup)").isPositive();
            assertThat(stored)
                    .as("events stored (%d appends lost a version race)", conflicts.get())
                    .isGreaterThanOrEqualTo(WRITERS * APPENDS_EACH - conflicts.get());
            assertThat(db.queryLong("SELECT count(*) FROM lockstep.event_log")).isEqualTo(stored);
            assertThat(db.queryLong("SELECT count(DISTINCT event_id) FROM lockstep.event_log"))
                    .isEqualTo(stored);
            assertThat(db.queryLong("SELECT min(position) FROM lockstep.event_log"))
                    .isOne();
            assertThat(db.queryLong("SELECT max(position) FROM lockstep.event_log"))
                    .isEqualTo(stored);
            assertThat(db.queryLong("SELECT count(*) FROM lockstep.events e LEFT JOIN lockstep.event_log l"
                            + " ON l.event_id = e.id WHERE l.position IS NULL"))
                    .as("events without a position")
                    .isZero();
            versionsInPositionOrder()
                    .forEach((stream, versions) -> assertThat(versions)
                            .as("versions of %s in position order", stream)
                            .containsExactlyElementsOf(
                                    LongStream.range(0, versions.size()).boxed().toList()));
        }

        /**
         * Appends 1..3 events; one append in five keeps its transaction open a little before committing. A
         * lost version race (see OptimisticConcurrencyTest) is counted: it stores nothing, which is all this
         * test needs.
         */
        private void appendSometimesSlowly(PostgresEventLog log, Random random, String note, AtomicLong conflicts)
                throws Exception {
            String stream = "s" + random.nextInt(STREAMS);
            List<Noted> events = new ArrayList<>();
            for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
                events.add(new Noted(note + "-" + i));
            }
            if (random.nextInt(5) > 0) {
                try {
                    log.append(stream, ExpectedVersion.any(), events);
                } catch (StreamVersionConflictException e) {
                    conflicts.incrementAndGet();
                }
                return;
            }
            try (Connection connection = db.dataSource().getConnection()) {
                connection.setAutoCommit(false);
                try {
                    log.appendInTransaction(connection, stream, ExpectedVersion.any(), events, Map.of());
                    Thread.sleep(random.nextInt(20)); // a slow transaction is the scenario
                    connection.commit();
                } catch (StreamVersionConflictException e) {
                    connection.rollback();
                    conflicts.incrementAndGet();
                } finally {
                    connection.setAutoCommit(true);
                }
            }
        }
    }

    @Nested
    class Status {

        @Test
        void reportsCommittedEventsWithoutAPositionAsBacklogUntilATick() {
            // given: a log that is not started
            PostgresEventLog log = log();
            Instant tickedBefore = log.sequencerStatus().lastTick();
            log.append("a", ExpectedVersion.noStream(), List.of(new Noted("a0"), new Noted("a1")));
            log.append("b", ExpectedVersion.noStream(), List.of(new Noted("b0")));
            assertThat(log.sequencerStatus().backlog()).isEqualTo(3);

            // when
            long sequenced = log.sequence();

            // then
            assertThat(sequenced).isEqualTo(3);
            PostgresEventLog.SequencerStatus status = log.sequencerStatus();
            assertThat(status.backlog()).isZero();
            assertThat(status.lastTick()).isAfter(tickedBefore);
            assertThat(status.listening()).isFalse();
        }

        @Test
        void aStartedLogThatDoesNotRunTheSequencerListensButLeavesTheBacklog() {
            // given
            PostgresEventLog log = started(PostgresEventLog.builder(db.dataSource(), TYPES)
                    .tickInterval(Duration.ofMillis(10))
                    .runSequencer(false)
                    .build());
            await().atMost(QUICKLY).until(() -> log.sequencerStatus().listening());

            // when
            log.append("a", ExpectedVersion.noStream(), List.of(new Noted("a0"), new Noted("a1")));

            // then: for many tick intervals nobody sequences
            await().during(Duration.ofMillis(500))
                    .atMost(QUICKLY)
                    .until(() -> log.sequencerStatus().backlog() == 2 && log.headPosition() == -1);
            assertThat(log.sequence()).isEqualTo(2);
            assertThat(log.sequencerStatus().backlog()).isZero();
        }

        @Test
        void anUncommittedAppendIsNotBacklog() throws Exception {
            // given
            PostgresEventLog log = log();
            Connection open = transaction();
            log.appendInTransaction(open, "a", ExpectedVersion.noStream(), List.of(new Noted("a0")), Map.of());

            // when
            long sequenced = log.sequence();

            // then
            assertThat(sequenced).isZero();
            assertThat(log.sequencerStatus().backlog()).isZero();
            open.commit();
            assertThat(log.sequencerStatus().backlog()).isOne();
            assertThat(log.sequence()).isOne();
        }
    }

    private PostgresEventLog log() {
        PostgresEventLog log = PostgresEventLog.builder(db.dataSource(), TYPES).build();
        toClose.add(log);
        return log;
    }

    private PostgresEventLog started(PostgresEventLog log) {
        toClose.add(log);
        log.start();
        return log;
    }

    /** @return a pooled connection with a transaction open; rolled back and closed after the test */
    private Connection transaction() throws SQLException {
        Connection connection = db.dataSource().getConnection();
        toClose.add(() -> {
            try (connection) {
                connection.rollback();
                connection.setAutoCommit(true);
            }
        });
        connection.setAutoCommit(false);
        return connection;
    }

    private static long queryLong(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static Map<String, List<Long>> versionsInPositionOrder() throws SQLException {
        Map<String, List<Long>> versions = new LinkedHashMap<>();
        try (Connection connection = db.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT e.stream_id, e.stream_version FROM lockstep.event_log l"
                        + " JOIN lockstep.events e ON e.id = l.event_id ORDER BY l.position")) {
            while (rows.next()) {
                versions.computeIfAbsent(rows.getString(1), id -> new ArrayList<>())
                        .add(rows.getLong(2));
            }
        }
        return versions;
    }
}
