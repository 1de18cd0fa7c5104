package io.lockstep.postgres.eventlog;

import static io.lockstep.postgres.eventlog.NotedLog.notes;
import static io.lockstep.postgres.eventlog.NotedLog.sideEffect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.lockstep.postgres.eventlog.NotedLog.Noted;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.Envelope;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link PostgresEventLog#appendAll} and {@link PostgresEventLog#appendAllInTransaction}: all of a bulk or
 * nothing, each stream's expected version checked and every conflict reported, events read back as given (also
 * text that COPY must escape), positions dense with each stream in version order, bad input refused before
 * anything is sent.
 */
class BulkAppendTest {

    record Unregistered(String note) {}

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(4);

    private PostgresEventLog log;

    @BeforeEach
    void emptyLog() {
        log = NotedLog.emptied(db);
    }

    @Nested
    class Storing {

        @Test
        void readsBackEveryStreamAsGivenWithItsMetadata() {
            // given: a stream that exists, one that must not, one at any version; text COPY must escape
            log.append("existing", ExpectedVersion.noStream(), notes("e0", "e1"));
            List<StreamAppend> bulk = List.of(
                    new StreamAppend(
                            "existing",
                            ExpectedVersion.exactly(1),
                            notes("e2", "tab\there"),
                            Map.of("source", "import")),
                    new StreamAppend(
                            "new\\stream\nwith\r\tescapes",
                            ExpectedVersion.noStream(),
                            notes("back\\slash", "line\nbreak", "zoë ✓ \"quoted\""),
                            Map.of("k", "v\tw")),
                    StreamAppend.of("any", ExpectedVersion.any(), notes("a0")));

            // when
            List<AppendResult> results = log.appendAll(bulk);

            // then
            assertThat(results)
                    .containsExactly(
                            new AppendResult("existing", 2, 3),
                            new AppendResult("new\\stream\nwith\r\tescapes", 0, 2),
                            new AppendResult("any", 0, 0));
            for (StreamAppend part : bulk) {
                List<Envelope> stored = log.readStream(part.streamId(), 0, 100);
                List<Envelope> appended =
                        stored.subList(stored.size() - part.events().size(), stored.size());
                assertThat(appended).extracting(Envelope::event).containsExactlyElementsOf(part.events());
                assertThat(appended)
                        .allSatisfy(envelope ->
                                assertThat(envelope.metadata()).containsExactlyInAnyOrderEntriesOf(part.metadata()));
            }
        }

        @Test
        void givesDensePositionsWithEachStreamInVersionOrder() {
            // given: 500 streams of 1 to 19 events (10 on average)
            List<StreamAppend> bulk = IntStream.range(0, 500)
                    .mapToObj(s -> StreamAppend.of(
                            "s" + s,
                            ExpectedVersion.noStream(),
                            notes(IntStream.range(0, 1 + s % 19)
                                    .mapToObj(v -> s + ":" + v)
                                    .toArray(String[]::new))))
                    .toList();
            long events = bulk.stream().mapToLong(part -> part.events().size()).sum();
            log.append("before", ExpectedVersion.noStream(), notes("before"));

            // when
            log.appendAll(bulk);
            log.sequence();

            // then
            List<Envelope> read = log.read(-1, 100_000);
            assertThat(read)
                    .extracting(Envelope::position)
                    .containsExactlyElementsOf(
                            LongStream.rangeClosed(1, events + 1).boxed().toList());
            for (StreamAppend part : bulk) {
                List<Envelope> stream = read.stream()
                        .filter(e -> e.streamId().equals(part.streamId()))
                        .toList();
                assertThat(stream)
                        .extracting(Envelope::streamVersion)
                        .containsExactlyElementsOf(
                                LongStream.range(0, part.events().size())
                                        .boxed()
                                        .toList());
                assertThat(stream).extracting(Envelope::event).containsExactlyElementsOf(part.events());
            }
        }
    }

    @Nested
    class Conflicts {

        @Test
        void reportsEveryStreamNotAtItsExpectedVersionAndStoresNothing() {
            // given
            log.append("at-1", ExpectedVersion.noStream(), notes("a", "b"));
            log.append("exists", ExpectedVersion.noStream(), notes("c"));
            long stored = storedEvents();
            List<StreamAppend> bulk = List.of(
                    StreamAppend.of("fine", ExpectedVersion.noStream(), notes("x")),
                    StreamAppend.of("at-1", ExpectedVersion.exactly(4), notes("y")),
                    StreamAppend.of("exists", ExpectedVersion.noStream(), notes("z")),
                    StreamAppend.of("missing", ExpectedVersion.exactly(0), notes("w")),
                    StreamAppend.of("also-fine", ExpectedVersion.any(), notes("v")));

            // when / then
            assertThatThrownBy(() -> log.appendAll(bulk))
                    .isInstanceOfSatisfying(BulkAppendConflictException.class, e -> {
                        assertThat(e.conflicts())
                                .extracting(
                                        StreamVersionConflictException::streamId,
                                        StreamVersionConflictException::expected,
                                        StreamVersionConflictException::actual)
                                .containsExactly(
                                        tuple("at-1", ExpectedVersion.exactly(4), 1L),
                                        tuple("exists", ExpectedVersion.noStream(), 0L),
                                        tuple("missing", ExpectedVersion.exactly(0), -1L));
                        assertThat(e)
                                .hasMessageContaining("'at-1' expected version 4, is at version 1")
                                .hasMessageContaining("'missing' expected version 0, is at no events")
                                .hasMessageContaining("Nothing of the bulk was appended");
                    });
            assertThat(storedEvents()).isEqualTo(stored);
        }

        @Test
        void aConflictInTheCallersTransactionLeavesItUsable() throws Exception {
            // given
            log.append("exists", ExpectedVersion.noStream(), notes("c"));
            try (Connection connection = db.openConnection()) {
                connection.setAutoCommit(false);
                sideEffect(connection, "before");

                // when
                assertThatThrownBy(() -> log.appendAllInTransaction(
                                connection,
                                List.of(
                                        StreamAppend.of("fine", ExpectedVersion.noStream(), notes("x")),
                                        StreamAppend.of("exists", ExpectedVersion.noStream(), notes("y")))))
                        .isInstanceOf(BulkAppendConflictException.class);
                List<AppendResult> results = log.appendAllInTransaction(
                        connection,
                        List.of(
                                StreamAppend.of("fine", ExpectedVersion.noStream(), notes("x")),
                                StreamAppend.of("exists", ExpectedVersion.exactly(0), notes("y"))));
                sideEffect(connection, "after");
                connection.commit();

                // then
                assertThat(results).containsExactly(new AppendResult("fine", 0, 0), new AppendResult("exists", 1, 1));
            }
            assertThat(log.readStream("exists", 0, 10))
                    .extracting(Envelope::event)
                    .containsExactly(new Noted("c"), new Noted("y"));
            assertThat(db.queryLong("SELECT count(*) FROM side_effects")).isEqualTo(2);
        }

        @Test
        void aBulkInTheCallersTransactionStoresNothingWhenItRollsBack() throws Exception {
            try (Connection connection = db.openConnection()) {
                connection.setAutoCommit(false);
                log.appendAllInTransaction(
                        connection, List.of(StreamAppend.of("s", ExpectedVersion.any(), notes("x"))));
                connection.rollback();
            }
            assertThat(storedEvents()).isZero();
            assertThat(log.sequence()).isZero();
        }

        @Test
        @SuppressWarnings("unchecked")
        void aLostRaceIsTriedAgainForAnyVersionAndConflictsForAnExactOne() throws Exception {
            for (ExpectedVersion expected : List.of(ExpectedVersion.any(), ExpectedVersion.noStream())) {
                db.emptyEventLog();
                try (Connection winner = db.openConnection()) {
                    // given: another transaction took version 0 of "race" and has not committed
                    winner.setAutoCommit(false);
                    log.appendInTransaction(winner, "race", ExpectedVersion.noStream(), notes("winner"), Map.of());

                    // when: the bulk reads "race" as empty, so its COPY waits for the winner's key
                    CompletableFuture<Object> bulk = CompletableFuture.supplyAsync(() -> {
                        try {
                            return log.appendAll(List.of(
                                    StreamAppend.of("other", ExpectedVersion.noStream(), notes("o")),
                                    StreamAppend.of("race", expected, notes("bulk"))));
                        } catch (RuntimeException e) {
                            return e;
                        }
                    });
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> db.queryLong("SELECT count(*)"
                                            + " FROM pg_stat_activity WHERE datname = current_database()"
                                            + " AND wait_event_type = 'Lock'")
                                    == 1);
                    winner.commit();

                    // then
                    Object outcome = bulk.get(10, TimeUnit.SECONDS);
                    if (expected instanceof ExpectedVersion.Any) {
                        assertThat(outcome).isInstanceOf(List.class);
                        assertThat((List<Object>) outcome)
                                .containsExactly(new AppendResult("other", 0, 0), new AppendResult("race", 1, 1));
                        assertThat(log.readStream("race", 0, 10))
                                .extracting(Envelope::event)
                                .containsExactly(new Noted("winner"), new Noted("bulk"));
                    } else {
                        assertThat(outcome)
                                .isInstanceOfSatisfying(
                                        BulkAppendConflictException.class,
                                        e -> assertThat(e.conflicts())
                                                .singleElement()
                                                .satisfies(conflict -> {
                                                    assertThat(conflict.streamId())
                                                            .isEqualTo("race");
                                                    assertThat(conflict.actual())
                                                            .isZero();
                                                }));
                        assertThat(log.readStream("other", 0, 10)).isEmpty();
                    }
                }
            }
        }
    }

    @Nested
    class BadInput {

        @Test
        void refusesAnEmptyBulk() {
            assertThatThrownBy(() -> log.appendAll(List.of()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no streams");
        }

        @Test
        void refusesANullPartNamingItsIndex() {
            List<StreamAppend> bulk = new ArrayList<>(List.of(StreamAppend.of("a", ExpectedVersion.any(), notes("x"))));
            bulk.add(null);
            assertThatThrownBy(() -> log.appendAll(bulk))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessage("appends[1]");
            assertThat(storedEvents()).isZero();
        }

        @Test
        void refusesAStreamNamedTwiceNamingItAndBothIndexes() {
            List<StreamAppend> bulk = List.of(
                    StreamAppend.of("a", ExpectedVersion.any(), notes("x")),
                    StreamAppend.of("b", ExpectedVersion.any(), notes("y")),
                    StreamAppend.of("a", ExpectedVersion.any(), notes("z")));
            assertThatThrownBy(() -> log.appendAll(bulk))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("stream 'a' twice (appends[0] and appends[2])")
                    .hasMessageContaining("nothing was appended");
            assertThat(storedEvents()).isZero();
        }

        @Test
        void refusesAnUnregisteredEventAnywhereInTheBulk() {
            List<StreamAppend> bulk = List.of(
                    StreamAppend.of("a", ExpectedVersion.any(), notes("x")),
                    StreamAppend.of("b", ExpectedVersion.any(), List.of(new Noted("y"), new Unregistered("z"))));
            assertThatThrownBy(() -> log.appendAll(bulk))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not registered");
            assertThat(storedEvents()).isZero();
        }

        @Test
        void aPartRefusesABlankStreamNoEventsAndANullEvent() {
            assertThatThrownBy(() -> StreamAppend.of(" ", ExpectedVersion.any(), notes("x")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("streamId");
            assertThatThrownBy(() -> StreamAppend.of("a", ExpectedVersion.any(), List.of()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("stream 'a' has no events");
            assertThatThrownBy(() -> StreamAppend.of("a", ExpectedVersion.any(), Arrays.asList(new Noted("x"), null)))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessage("events[1] of stream 'a'");
        }

        @Test
        void refusesAConnectionInAutoCommitMode() throws Exception {
            try (Connection connection = db.openConnection()) {
                assertThatThrownBy(() -> log.appendAllInTransaction(
                                connection, List.of(StreamAppend.of("a", ExpectedVersion.any(), notes("x")))))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("auto-commit mode");
            }
            assertThat(storedEvents()).isZero();
        }
    }

    private static long storedEvents() {
        return db.queryLong("SELECT count(*) FROM lockstep.events");
    }
}
