package io.lockstep.postgres.eventlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionState;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import javax.sql.DataSource;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic sequence-gap trap, under load. Writers append in their own transactions (single appends, and
 * bulk appends of several streams, also in transactions of the log's own) and sleep inside them
 * before committing (a few for over two seconds), so events become visible in a different order than their
 * ids were handed out; one in ten transactions rolls back and leaves a hole in the id sequence; an
 * unrelated session holds the oldest transaction id open for ten seconds. A started log and a runner
 * follow all along. A reader that trusted ids (or waited on the oldest open transaction) would skip late
 * commits or stall; the log must give the runner every committed event exactly once, at positions 1..N,
 * each stream in version order.
 */
class EventLogGapStressTest {

    private static final Logger LOG = LoggerFactory.getLogger(EventLogGapStressTest.class);
    private static final int WRITERS = 10;
    private static final int TRANSACTIONS_PER_WRITER = 120;
    private static final int SHARED_STREAMS = 8;
    private static final int OWN_STREAMS_PER_WRITER = 2;
    private static final int HOLDER_SECONDS = 10;
    private static final Duration RUN_LIMIT = Duration.ofSeconds(75);
    private static final String PROJECTION = "gap-recorder";

    private static final Table<Record> APPLIED = table(name("applied"));
    private static final Field<Long> POSITION = field(name("position"), Long.class);
    private static final Field<String> STREAM_ID = field(name("stream_id"), String.class);
    private static final Field<Long> STREAM_VERSION = field(name("stream_version"), Long.class);
    private static final Field<String> MARKER = field(name("marker"), String.class);

    record Marked(String marker, String writer) {}

    static final EventTypes TYPES =
            EventTypes.builder().register("Marked", Marked.class).build();

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(WRITERS + 10);

    @BeforeAll
    static void createTables() {
        db.execute("CREATE TABLE applied (position bigint NOT NULL, stream_id text NOT NULL,"
                + " stream_version bigint NOT NULL, marker text NOT NULL)");
    }

    @Test
    void aFollowingRunnerAppliesExactlyTheCommittedEventsOnceEachAtDensePositionsDespiteSlowAndRolledBackTransactions()
            throws Exception {
        // given
        long seed = System.nanoTime();
        PostgresEventLog log = PostgresEventLog.builder(db.dataSource(), TYPES).build();
        PostgresProjectionStore store =
                PostgresProjectionStore.builder(db.dataSource()).build();
        ProjectionRunner runner = ProjectionRunner.builder(recordingProjection(), store, log)
                .batchSize(50)
                .idleWait(Duration.ofMillis(500))
                .build();
        Tally tally = new Tally();
        long headWhileHolderWasOpen;
        long started = System.nanoTime();
        ExecutorService threads = Executors.newFixedThreadPool(WRITERS + 1);
        try {
            log.start();
            runner.start();
            CountDownLatch holderHasXid = new CountDownLatch(1);
            Future<Long> holder = threads.submit(() -> holdTheOldestTransactionIdOpen(log, holderHasXid));
            assertThat(holderHasXid.await(10, TimeUnit.SECONDS))
                    .as("holder took a transaction id")
                    .isTrue();

            // when
            long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
            List<Future<Void>> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                writers.add(threads.submit(
                        new SlowWriter("w" + w, db.dataSource(), log, new Random(seed + w), tally, deadline)));
            }
            for (Future<Void> writer : writers) {
                writer.get(RUN_LIMIT.toSeconds() + 10, TimeUnit.SECONDS);
            }
            headWhileHolderWasOpen = holder.get(HOLDER_SECONDS + 20, TimeUnit.SECONDS);
            await("the runner has applied everything the sequencer has seen")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> runner.status().state() == ProjectionState.FAILED
                            || (log.sequencerStatus().backlog() == 0
                                    && store.checkpoints().getCheckpoint(PROJECTION) == log.headPosition()));
        } finally {
            threads.shutdownNow();
            runner.close();
            log.close();
            threads.awaitTermination(30, TimeUnit.SECONDS);
        }
        LOG.info(
                "seed {}: {} transactions in {} ms: {} committed ({} events, {} bulks), {} rolled back, {} lost a"
                        + " version race ({} on own streams), {} paused over 2 s; head while the holder was open: {}",
                seed,
                tally.transactions,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                tally.commits,
                tally.committedMarkers.size(),
                tally.bulks,
                tally.rollbacks,
                tally.conflicts,
                tally.ownStreamConflicts,
                tally.longPauses,
                headWhileHolderWasOpen);

        // then
        assertThat(runner.status().state()).as("runner state").isNotEqualTo(ProjectionState.FAILED);
        assertThat(tally.rollbacks.get()).as("rolled-back transactions (setup)").isPositive();
        assertThat(tally.longPauses.get())
                .as("transactions paused over 2 s (setup)")
                .isPositive();
        assertThat(tally.bulks.get()).as("committed bulk appends (setup)").isPositive();
        assertThat(tally.ownStreamConflicts.get())
                .as("conflicts on streams only one writer appends to")
                .isZero();
        assertThat(headWhileHolderWasOpen)
                .as("events sequenced while the oldest transaction id was still open")
                .isPositive();

        long committedEvents = tally.committedMarkers.size();
        List<Applied> applied = applied();
        List<String> appliedMarkers = applied.stream().map(Applied::marker).toList();
        assertThat(appliedMarkers).as("applied markers").doesNotHaveDuplicates();
        assertThat(minus(tally.committedMarkers, appliedMarkers))
                .as("committed but never applied")
                .isEmpty();
        assertThat(minus(appliedMarkers, tally.committedMarkers))
                .as("applied but never committed")
                .isEmpty();
        assertThat(log.headPosition()).as("head position").isEqualTo(committedEvents);
        assertThat(applied)
                .extracting(Applied::position)
                .as("applied positions")
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, committedEvents).boxed().toList());
        versionsInPositionOrder(applied)
                .forEach((stream, versions) -> assertThat(versions)
                        .as("versions of stream '%s' in position order", stream)
                        .containsExactlyElementsOf(
                                LongStream.range(0, versions.size()).boxed().toList()));
        assertThat(db.queryLong("SELECT count(*) FROM lockstep.events e LEFT JOIN lockstep.event_log l"
                        + " ON l.event_id = e.id WHERE l.position IS NULL"))
                .as("stored events without a position")
                .isZero();
    }

    /** Takes the oldest transaction id, keeps it open for ten seconds, reads the head, then commits. */
    private static long holdTheOldestTransactionIdOpen(PostgresEventLog log, CountDownLatch hasXid)
            throws SQLException {
        try (Connection connection = db.openConnection();
                Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            statement.execute("SELECT pg_current_xact_id()");
            hasXid.countDown();
            statement.execute("SELECT pg_sleep(" + HOLDER_SECONDS + ")");
            long head = log.headPosition();
            connection.commit();
            return head;
        }
    }

    private static Projection<PostgresTransaction> recordingProjection() {
        return Projection.<PostgresTransaction>builder(PROJECTION)
                .on(
                        Marked.class,
                        (event, envelope, tx) -> tx.dsl()
                                .insertInto(APPLIED, POSITION, STREAM_ID, STREAM_VERSION, MARKER)
                                .values(
                                        envelope.position(),
                                        envelope.streamId(),
                                        envelope.streamVersion(),
                                        event.marker())
                                .execute())
                .build();
    }

    record Applied(long position, String streamId, long streamVersion, String marker) {}

    private static List<Applied> applied() throws SQLException {
        List<Applied> rows = new ArrayList<>();
        try (Connection connection = db.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(
                        "SELECT position, stream_id, stream_version, marker FROM applied ORDER BY position")) {
            while (result.next()) {
                rows.add(new Applied(result.getLong(1), result.getString(2), result.getLong(3), result.getString(4)));
            }
        }
        return rows;
    }

    private static Map<String, List<Long>> versionsInPositionOrder(List<Applied> applied) {
        Map<String, List<Long>> versions = new LinkedHashMap<>();
        for (Applied row : applied) {
            versions.computeIfAbsent(row.streamId(), id -> new ArrayList<>()).add(row.streamVersion());
        }
        return versions;
    }

    private static Set<String> minus(Collection<String> these, Collection<String> those) {
        Set<String> rest = new HashSet<>(these);
        rest.removeAll(new HashSet<>(those));
        return rest;
    }

    /** What the writers did, counted as it happened. */
    static final class Tally {
        final Set<String> committedMarkers = ConcurrentHashMap.newKeySet();
        final AtomicLong transactions = new AtomicLong();
        final AtomicLong commits = new AtomicLong();
        final AtomicLong rollbacks = new AtomicLong();
        final AtomicLong conflicts = new AtomicLong();
        final AtomicLong ownStreamConflicts = new AtomicLong();
        final AtomicLong longPauses = new AtomicLong();
        final AtomicLong bulks = new AtomicLong();
    }

    /**
     * Appends in transactions of its own, through the caller-transaction API: 1 or several events, sometimes
     * two appends, to a shared stream (any version) or to a stream only it writes (exact version); pauses
     * before committing; rolls one in ten back.
     */
    private record SlowWriter(
            String name, DataSource dataSource, PostgresEventLog log, Random random, Tally tally, long deadline)
            implements Callable<Void> {

        @Override
        public Void call() throws Exception {
            Map<String, Long> ownVersions = new HashMap<>();
            for (int t = 0; t < TRANSACTIONS_PER_WRITER && System.nanoTime() < deadline; t++) {
                boolean own = random.nextInt(10) < 3;
                String stream = own
                        ? name + "-own-" + random.nextInt(OWN_STREAMS_PER_WRITER)
                        : "shared-" + random.nextInt(SHARED_STREAMS);
                long ownVersion = ownVersions.getOrDefault(stream, -1L);
                ExpectedVersion expected = !own
                        ? ExpectedVersion.any()
                        : ownVersion < 0 ? ExpectedVersion.noStream() : ExpectedVersion.exactly(ownVersion);
                List<Marked> first = events();
                List<Marked> second = random.nextInt(100) < 15 ? events() : List.of();
                tally.transactions.incrementAndGet();
                int kind = random.nextInt(100);
                AppendResult result = kind < 60
                        ? transaction(stream, expected, first, second, own)
                        : bulk(stream, expected, first, own, kind < 85);
                if (result != null && own) {
                    ownVersions.put(stream, result.lastVersion());
                }
            }
            return null;
        }

        /** @return what the transaction stored when it committed, null when it rolled back */
        private AppendResult transaction(
                String stream, ExpectedVersion expected, List<Marked> first, List<Marked> second, boolean own)
                throws Exception {
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                try {
                    AppendResult result =
                            log.appendInTransaction(connection, stream, expected, first, Map.of("writer", name));
                    if (!second.isEmpty()) {
                        result = log.appendInTransaction(
                                connection,
                                stream,
                                ExpectedVersion.exactly(result.lastVersion()),
                                second,
                                Map.of("writer", name));
                    }
                    Thread.sleep(pauseBeforeCommit()); // the slow transaction is the scenario, not a wait
                    if (random.nextInt(10) == 0) {
                        connection.rollback();
                        tally.rollbacks.incrementAndGet();
                        return null;
                    }
                    connection.commit();
                    tally.commits.incrementAndGet();
                    first.forEach(event -> tally.committedMarkers.add(event.marker()));
                    second.forEach(event -> tally.committedMarkers.add(event.marker()));
                    return result;
                } catch (StreamVersionConflictException e) {
                    connection.rollback();
                    tally.conflicts.incrementAndGet();
                    if (own) {
                        tally.ownStreamConflicts.incrementAndGet();
                    }
                    return null;
                } catch (Exception e) {
                    try {
                        connection.rollback();
                    } catch (SQLException rollbackFailure) {
                        e.addSuppressed(rollbackFailure);
                    }
                    throw e;
                } finally {
                    connection.setAutoCommit(true);
                }
            }
        }

        /**
         * A bulk append of {@code stream} and one or two shared streams (any version), in the caller's
         * transaction (paused, one in ten rolled back) or in one of the log's own.
         *
         * @return what the bulk stored in {@code stream} when it committed, null when it rolled back
         */
        private AppendResult bulk(
                String stream, ExpectedVersion expected, List<Marked> first, boolean own, boolean inTransaction)
                throws Exception {
            List<StreamAppend> parts = new ArrayList<>();
            parts.add(new StreamAppend(stream, expected, first, Map.of("writer", name)));
            int shared = 1 + random.nextInt(2);
            for (int i = 0; i < shared; i++) {
                String other = "shared-" + random.nextInt(SHARED_STREAMS);
                if (parts.stream().noneMatch(part -> part.streamId().equals(other))) {
                    parts.add(new StreamAppend(other, ExpectedVersion.any(), events(), Map.of("writer", name)));
                }
            }
            try {
                if (!inTransaction) {
                    List<AppendResult> results = log.appendAll(parts);
                    committed(parts);
                    return results.getFirst();
                }
                try (Connection connection = dataSource.getConnection()) {
                    connection.setAutoCommit(false);
                    try {
                        List<AppendResult> results = log.appendAllInTransaction(connection, parts);
                        Thread.sleep(pauseBeforeCommit()); // the slow transaction is the scenario, not a wait
                        if (random.nextInt(10) == 0) {
                            connection.rollback();
                            tally.rollbacks.incrementAndGet();
                            return null;
                        }
                        connection.commit();
                        committed(parts);
                        return results.getFirst();
                    } catch (Exception e) {
                        connection.rollback();
                        throw e;
                    } finally {
                        connection.setAutoCommit(true);
                    }
                }
            } catch (BulkAppendConflictException e) {
                tally.conflicts.incrementAndGet();
                if (own) {
                    tally.ownStreamConflicts.incrementAndGet();
                }
                return null;
            }
        }

        private void committed(List<StreamAppend> parts) {
            tally.commits.incrementAndGet();
            tally.bulks.incrementAndGet();
            for (StreamAppend part : parts) {
                part.events().forEach(event -> tally.committedMarkers.add(((Marked) event).marker()));
            }
        }

        private Duration pauseBeforeCommit() {
            if (random.nextInt(100) < 3) {
                tally.longPauses.incrementAndGet();
                return Duration.ofMillis(2_000 + random.nextInt(500));
            }
            return Duration.ofMillis(random.nextInt(51));
        }

        private List<Marked> events() {
            int count = random.nextInt(10) < 6 ? 1 : 2 + random.nextInt(4);
            List<Marked> events = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                events.add(new Marked(UUID.randomUUID().toString(), name));
            }
            return events;
        }
    }
}
