package io.lockstep.postgres.eventlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.Envelope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Per-stream optimistic concurrency under real races: appenders inside open transactions, released
 * together, the first to insert holding the stream's next version until it commits while the other waits
 * on it in PostgreSQL.
 */
class OptimisticConcurrencyTest {

    private static final int ROUNDS = 50;
    private static final Duration LIMIT = Duration.ofSeconds(30);

    record Tagged(String writer, int n) {}

    static final EventTypes TYPES =
            EventTypes.builder().register("Tagged", Tagged.class).build();

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(20);

    PostgresEventLog log;
    ExecutorService threads;

    @BeforeEach
    void emptyTheLog() {
        db.emptyEventLog();
        log = PostgresEventLog.builder(db.dataSource(), TYPES).build();
        threads = Executors.newCachedThreadPool();
    }

    @AfterEach
    void stopThreads() throws InterruptedException {
        threads.shutdownNow();
        threads.awaitTermination(30, TimeUnit.SECONDS);
    }

    @Nested
    class SameExpectedVersion {

        @Test
        void exactlyOneOfTwoAppendersRacingInsideOpenTransactionsWinsAndNothingOfTheLoserIsStored() throws Exception {
            for (int round = 0; round < ROUNDS; round++) {
                // given: a new stream or one with 1..3 events, and two appenders of 1..3 events each
                String stream = "race-" + round;
                int seeded = round % 4;
                if (seeded > 0) {
                    log.append(stream, ExpectedVersion.noStream(), tagged("seed", seeded));
                }
                ExpectedVersion expected =
                        seeded == 0 ? ExpectedVersion.noStream() : ExpectedVersion.exactly(seeded - 1);
                List<Tagged> a = tagged("a", 1 + round % 3);
                List<Tagged> b = tagged("b", 1 + (round + 1) % 3);

                // when
                List<Outcome> outcomes = race(stream, expected, a, b, false);

                // then
                assertThat(outcomes)
                        .as("round %d outcomes", round)
                        .filteredOn(Outcome::won)
                        .hasSize(1);
                Outcome winner =
                        outcomes.stream().filter(Outcome::won).findFirst().orElseThrow();
                Outcome loser =
                        outcomes.stream().filter(o -> !o.won()).findFirst().orElseThrow();
                assertThat(winner.result().firstVersion())
                        .as("round %d winner's first version", round)
                        .isEqualTo(seeded);
                assertThat(loser.conflict())
                        .as("round %d loser's conflict", round)
                        .isNotNull();
                assertThat(loser.conflict().streamId()).isEqualTo(stream);
                assertThat(loser.conflict().expected()).isEqualTo(expected);
                assertThat(loser.conflict().actual())
                        .as("round %d actual version", round)
                        .isEqualTo(winner.result().lastVersion());
                List<Envelope> stored = log.readStream(stream, 0, 100);
                assertThat(stored)
                        .extracting(Envelope::streamVersion)
                        .as("round %d versions", round)
                        .containsExactlyElementsOf(
                                LongStream.range(0, seeded + winner.events().size())
                                        .boxed()
                                        .toList());
                assertThat(stored)
                        .extracting(Envelope::event)
                        .as("round %d events", round)
                        .containsExactlyElementsOf(concat(tagged("seed", seeded), winner.events()));
            }
        }

        @Test
        void theLosersTransactionStaysUsableAfterTheConflict() throws Exception {
            for (int round = 0; round < 10; round++) {
                // given
                String stream = "usable-" + round;

                // when: the loser appends to another stream in the same transaction after its conflict
                List<Outcome> outcomes = race(stream, ExpectedVersion.noStream(), tagged("a", 2), tagged("b", 1), true);

                // then
                Outcome loser =
                        outcomes.stream().filter(o -> !o.won()).findFirst().orElseThrow();
                assertThat(outcomes).filteredOn(Outcome::won).hasSize(1);
                assertThat(log.readStream("after-conflict-" + loser.writer() + "-" + stream, 0, 10))
                        .as("round %d: what the loser appended after its conflict", round)
                        .extracting(Envelope::event)
                        .containsExactly(new Tagged(loser.writer(), 0));
                assertThat(log.readStream(stream, 0, 10))
                        .extracting(Envelope::event)
                        .as("round %d: the raced stream", round)
                        .containsExactlyElementsOf(outcomes.stream()
                                .filter(Outcome::won)
                                .findFirst()
                                .orElseThrow()
                                .events());
            }
        }
    }

    @Nested
    class AnyVersion {

        private static final int APPENDERS = 12;
        private static final int APPENDS_EACH = 40;
        private static final int STREAMS = 3;

        @Test
        void racingAppendersInTheirOwnTransactionsGetDenseVersionsAndContiguousAppends() throws Exception {
            // when
            AnyRace race = raceAnyAppenders(false);

            // then
            assertThat(race.failures())
                    .as("failures other than version conflicts")
                    .allMatch(StreamVersionConflictException.class::isInstance);
            assertStreamsHoldExactlyTheAppendsDenselyVersioned(
                    race.appends(), APPENDERS * APPENDS_EACH - race.failures().size());
        }

        @Test
        void racingAppendersInCallersTransactionsGetDenseVersionsAndContiguousAppends() throws Exception {
            // when
            AnyRace race = raceAnyAppenders(true);

            // then
            assertThat(race.failures())
                    .as("failures other than version conflicts")
                    .allMatch(StreamVersionConflictException.class::isInstance);
            assertStreamsHoldExactlyTheAppendsDenselyVersioned(
                    race.appends(), APPENDERS * APPENDS_EACH - race.failures().size());
        }

        @Test
        void racingAppendersNeverFail() throws Exception {
            // when
            AnyRace ownTransactions = raceAnyAppenders(false);
            AnyRace callersTransactions = raceAnyAppenders(true);

            // then
            assertThat(ownTransactions.failures())
                    .as("failed appends in their own transactions")
                    .isEmpty();
            assertThat(callersTransactions.failures())
                    .as("failed appends in callers' transactions")
                    .isEmpty();
        }

        /**
         * Runs {@link #APPENDERS} threads, released together, each appending {@link #APPENDS_EACH} times 1..3
         * events to one of {@link #STREAMS} streams with any version; in callers' transactions, each stays
         * open a few milliseconds after its append so that the others queue behind it.
         */
        private AnyRace raceAnyAppenders(boolean inCallersTransactions) throws Exception {
            CountDownLatch start = new CountDownLatch(1);
            Map<String, List<Append>> appends = new ConcurrentHashMap<>();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            List<Future<?>> appenders = new ArrayList<>();
            for (int t = 0; t < APPENDERS; t++) {
                String writer = "t" + t;
                Random random = new Random(t);
                appenders.add(threads.submit(() -> {
                    start.await();
                    for (int i = 0; i < APPENDS_EACH; i++) {
                        String stream = "any-" + random.nextInt(STREAMS);
                        List<Tagged> events = tagged(writer + "-" + i, 1 + random.nextInt(3));
                        try {
                            AppendResult result = inCallersTransactions
                                    ? appendInATransaction(stream, events, random.nextInt(5))
                                    : log.append(stream, ExpectedVersion.any(), events);
                            appends.computeIfAbsent(stream, s -> new CopyOnWriteArrayList<>())
                                    .add(new Append(result, events));
                        } catch (RuntimeException e) {
                            failures.add(e);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> appender : appenders) {
                appender.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
            }
            return new AnyRace(appends, List.copyOf(failures));
        }

        private AppendResult appendInATransaction(String stream, List<Tagged> events, int pauseMillis)
                throws Exception {
            try (Connection connection = db.dataSource().getConnection()) {
                connection.setAutoCommit(false);
                try {
                    AppendResult result =
                            log.appendInTransaction(connection, stream, ExpectedVersion.any(), events, Map.of());
                    Thread.sleep(pauseMillis); // a transaction that stays open a little is the scenario
                    connection.commit();
                    return result;
                } catch (RuntimeException e) {
                    connection.rollback();
                    throw e;
                } finally {
                    connection.setAutoCommit(true);
                }
            }
        }

        private void assertStreamsHoldExactlyTheAppendsDenselyVersioned(Map<String, List<Append>> appends, int count) {
            assertThat(appends.values().stream().mapToInt(List::size).sum())
                    .as("successful appends")
                    .isEqualTo(count);
            appends.forEach((stream, made) -> {
                List<Append> inVersionOrder = made.stream()
                        .sorted(Comparator.comparingLong(
                                append -> append.result().firstVersion()))
                        .toList();
                List<Tagged> expectedEvents = new ArrayList<>();
                long next = 0;
                for (Append append : inVersionOrder) {
                    assertThat(append.result().firstVersion())
                            .as("first version of an append to %s", stream)
                            .isEqualTo(next);
                    assertThat(append.result().lastVersion())
                            .as("last version of an append to %s", stream)
                            .isEqualTo(next + append.events().size() - 1);
                    next = append.result().lastVersion() + 1;
                    expectedEvents.addAll(append.events());
                }
                List<Envelope> stored = log.readStream(stream, 0, 100_000);
                assertThat(stored)
                        .extracting(Envelope::streamVersion)
                        .as("stored versions of %s", stream)
                        .containsExactlyElementsOf(
                                LongStream.range(0, next).boxed().toList());
                assertThat(stored)
                        .extracting(Envelope::event)
                        .as("stored events of %s", stream)
                        .containsExactlyElementsOf(expectedEvents);
            });
        }
    }

    record Append(AppendResult result, List<Tagged> events) {}

    record AnyRace(Map<String, List<Append>> appends, List<Throwable> failures) {}

    /** How one racer ended: its result when it committed, its conflict when it lost. */
    record Outcome(String writer, List<Tagged> events, AppendResult result, StreamVersionConflictException conflict) {
        boolean won() {
            return result != null;
        }
    }

    /**
     * Two appenders open transactions with a transaction id each and are released together; the first
     * whose append returns waits until the other is blocked on it inside PostgreSQL, then commits.
     */
    private List<Outcome> race(
            String stream, ExpectedVersion expected, List<Tagged> a, List<Tagged> b, boolean loserAppendsAgain)
            throws Exception {
        CyclicBarrier released = new CyclicBarrier(2);
        AtomicLongArray pids = new AtomicLongArray(2);
        Future<Outcome> first = threads.submit(racer(0, "a", stream, expected, a, released, pids, loserAppendsAgain));
        Future<Outcome> second = threads.submit(racer(1, "b", stream, expected, b, released, pids, loserAppendsAgain));
        return List.of(first.get(LIMIT.toSeconds(), TimeUnit.SECONDS), second.get(LIMIT.toSeconds(), TimeUnit.SECONDS));
    }

    private Callable<Outcome> racer(
            int index,
            String writer,
            String stream,
            ExpectedVersion expected,
            List<Tagged> events,
            CyclicBarrier released,
            AtomicLongArray pids,
            boolean appendAgainAfterConflict) {
        return () -> {
            try (Connection connection = db.dataSource().getConnection();
                    Statement statement = connection.createStatement()) {
                connection.setAutoCommit(false);
                try {
                    try (ResultSet pid = statement.executeQuery("SELECT pg_backend_pid(), pg_current_xact_id()")) {
                        pid.next();
                        pids.set(index, pid.getLong(1));
                    }
                    released.await(LIMIT.toSeconds(), TimeUnit.SECONDS);
                    AppendResult result;
                    try {
                        result = log.appendInTransaction(connection, stream, expected, events, Map.of());
                    } catch (StreamVersionConflictException conflict) {
                        if (appendAgainAfterConflict) {
                            log.appendInTransaction(
                                    connection,
                                    "after-conflict-" + writer + "-" + stream,
                                    ExpectedVersion.noStream(),
                                    List.of(new Tagged(writer, 0)),
                                    Map.of());
                            connection.commit();
                        } else {
                            connection.rollback();
                        }
                        return new Outcome(writer, events, null, conflict);
                    }
                    long other = pids.get(1 - index);
                    await("the other appender waiting on this one's insert")
                            .atMost(LIMIT)
                            .pollInterval(Duration.ofMillis(5))
                            .until(() -> waitsOnALock(other));
                    connection.commit();
                    return new Outcome(writer, events, result, null);
                } catch (Exception e) {
                    connection.rollback();
                    throw e;
                } finally {
                    connection.setAutoCommit(true);
                }
            }
        };
    }

    private static boolean waitsOnALock(long pid) throws SQLException {
        try (Connection connection = db.dataSource().getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = ?")) {
            statement.setLong(1, pid);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() && rows.getBoolean(1);
            }
        }
    }

    private static List<Tagged> tagged(String writer, int count) {
        return IntStream.range(0, count).mapToObj(n -> new Tagged(writer, n)).toList();
    }

    private static List<Tagged> concat(List<Tagged> first, List<Tagged> second) {
        List<Tagged> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }
}
