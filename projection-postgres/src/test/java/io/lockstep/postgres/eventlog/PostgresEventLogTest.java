package io.lockstep.postgres.eventlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.Envelope;
import io.lockstep.projection.EventDecodingException;
import io.lockstep.projection.FailurePolicy;
import io.lockstep.projection.LockstepException;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.RetryPolicy;
import io.lockstep.projection.UndecodableEvent;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresEventLogTest {

    record Opened(String id, long amount) {}

    record Deposited(String id, long amount) {}

    static final EventTypes TYPES = EventTypes.builder()
            .register("Opened", Opened.class)
            .register("Deposited", Deposited.class)
            .build();

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(8);

    PostgresEventLog log;

    @BeforeEach
    void emptyTheLog() {
        db.emptyEventLog("lockstep.checkpoints", "lockstep.dead_letters");
        log = PostgresEventLog.builder(db.dataSource(), TYPES).build();
    }

    @Nested
    class Appending {

        @Test
        void assignsDensePositionsInCommitOrderAfterSequencing() {
            // given
            log.append("a", ExpectedVersion.noStream(), List.of(new Opened("a", 10), new Deposited("a", 5)));
            log.append("b", ExpectedVersion.noStream(), List.of(new Opened("b", 20)));

            // when
            long sequenced = log.sequence();

            // then
            assertThat(sequenced).isEqualTo(3);
            List<Envelope> events = log.read(-1, 10);
            assertThat(events).extracting(Envelope::position).containsExactly(1L, 2L, 3L);
            assertThat(events)
                    .extracting(Envelope::event)
                    .containsExactly(new Opened("a", 10), new Deposited("a", 5), new Opened("b", 20));
            assertThat(events).extracting(Envelope::streamVersion).containsExactly(0L, 1L, 0L);
            assertThat(log.headPosition()).isEqualTo(3);
        }

        @Test
        void anAppendExpectingAnotherVersionFailsAndStoresNothing() {
            log.append("a", ExpectedVersion.noStream(), List.of(new Opened("a", 10)));

            assertThatThrownBy(() -> log.append("a", ExpectedVersion.exactly(3), List.of(new Deposited("a", 1))))
                    .isInstanceOfSatisfying(StreamVersionConflictException.class, e -> {
                        assertThat(e.streamId()).isEqualTo("a");
                        assertThat(e.actual()).isZero();
                        assertThat(e.expected()).isEqualTo(ExpectedVersion.exactly(3));
                    });
            assertThatThrownBy(() -> log.append("a", ExpectedVersion.noStream(), List.of(new Deposited("a", 1))))
                    .isInstanceOf(StreamVersionConflictException.class);
            assertThat(log.readStream("a", 0, 10)).hasSize(1);
        }

        @Test
        void appendsLongAppendsInOrderWhateverTheirLength() {
            // given: lengths on both sides of the longest append that lists its events in the statement
            int[] lengths = {1, EventLogSql.MAX_LISTED_EVENTS, EventLogSql.MAX_LISTED_EVENTS + 1, 300};
            long next = 0;
            for (int length : lengths) {
                List<Deposited> events = LongStream.range(next, next + length)
                        .mapToObj(n -> new Deposited("a", n))
                        .toList();

                // when
                AppendResult result = log.append(
                        "a", next == 0 ? ExpectedVersion.noStream() : ExpectedVersion.exactly(next - 1), events);

                // then
                assertThat(result.firstVersion()).isEqualTo(next);
                assertThat(result.lastVersion()).isEqualTo(next + length - 1);
                next += length;
            }
            assertThat(log.readStream("a", 0, 1000))
                    .extracting(Envelope::event)
                    .containsExactlyElementsOf(LongStream.range(0, next)
                            .mapToObj(n -> new Deposited("a", n))
                            .toList());
        }

        @Test
        void appendsInTheCallersTransactionAndRollsBackWithIt() throws Exception {
            try (Connection connection = db.dataSource().getConnection()) {
                connection.setAutoCommit(false);
                log.appendInTransaction(
                        connection, "a", ExpectedVersion.noStream(), List.of(new Opened("a", 1)), Map.of());
                connection.rollback();
            }
            assertThat(log.readStream("a", 0, 10)).isEmpty();
            assertThat(log.sequence()).isZero();
        }

        @Test
        void roundTripsMetadata() {
            log.append(
                    "a",
                    ExpectedVersion.any(),
                    List.of(new Opened("a", 1)),
                    Map.of("correlationId", "c-1", "causationId", "k-2", "user", "zoë"));
            log.sequence();

            assertThat(log.read(-1, 1).getFirst().metadata())
                    .containsExactlyInAnyOrderEntriesOf(
                            Map.of("correlationId", "c-1", "causationId", "k-2", "user", "zoë"));
        }

        @Test
        void refusesAnUnregisteredClassAndStoresNothing() {
            assertThatThrownBy(() -> log.append("a", ExpectedVersion.any(), List.of("not an event")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not registered");
            assertThat(db.queryLong("SELECT count(*) FROM lockstep.events")).isZero();
        }
    }

    @Nested
    class Following {

        @Test
        void aStartedLogSequencesAndWakesARunnerWithoutPolling() throws Exception {
            // given
            List<Long> seen = new CopyOnWriteArrayList<>();
            Projection<PostgresTransaction> projection = Projection.<PostgresTransaction>builder("follow")
                    .on(Opened.class, (e, env, tx) -> seen.add(env.position()))
                    .build();
            log.start();
            try (ProjectionRunner runner = ProjectionRunner.builder(
                            projection,
                            PostgresProjectionStore.builder(db.dataSource()).build(),
                            log)
                    .idleWait(Duration.ofSeconds(30))
                    .build()) {
                runner.start();

                // when
                for (int i = 0; i < 5; i++) {
                    log.append("s" + i, ExpectedVersion.noStream(), List.of(new Opened("s" + i, i)));
                }

                // then: idleWait is 30 s, so only a notification can make this quick
                await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 5);
                assertThat(seen).containsExactly(1L, 2L, 3L, 4L, 5L);
                assertThat(runner.status().state()).isEqualTo(ProjectionState.LIVE);
            } finally {
                log.close();
            }
            assertThat(log.sequencerStatus().backlog()).isZero();
        }

        @Test
        void awaitPositionReturnsTheLastEventsPositionOnceSequenced() throws Exception {
            log.append("a", ExpectedVersion.noStream(), List.of(new Opened("a", 1)));
            log.start();
            try {
                // when
                AppendResult appended =
                        log.append("b", ExpectedVersion.noStream(), List.of(new Opened("b", 1), new Deposited("b", 2)));

                // then
                assertThat(log.awaitPosition(appended, Duration.ofSeconds(10))).hasValue(3);
            } finally {
                log.close();
            }
        }

        @Test
        void awaitPositionGivesUpWhenNothingSequences() throws Exception {
            // no sequencer runs: the log is not started
            AppendResult appended = log.append("a", ExpectedVersion.noStream(), List.of(new Opened("a", 1)));

            assertThat(log.awaitPosition(appended, Duration.ofMillis(50))).isEmpty();
            log.sequence();
            assertThat(log.awaitPosition(appended, Duration.ZERO)).hasValue(1);
        }

        @Test
        void anUnknownTypeReachesTheFailurePolicyWithPositionAndType() throws Exception {
            // given: an event written under a name this registry does not know
            log.append("a", ExpectedVersion.noStream(), List.of(new Opened("a", 1)));
            db.execute(
                    "INSERT INTO lockstep.events (stream_id, stream_version, event_type, payload)"
                            + " VALUES ('a', 1, 'Renamed', '{}')",
                    "INSERT INTO lockstep.events (stream_id, stream_version, event_type, payload)"
                            + " VALUES ('a', 2, 'Deposited', '{\"id\": [1, 2]}')");
            log.sequence();
            PostgresProjectionStore store =
                    PostgresProjectionStore.builder(db.dataSource()).build();
            Projection<PostgresTransaction> skipping = Projection.<PostgresTransaction>builder("decoding")
                    .on(Opened.class, (e, env, tx) -> {})
                    .failurePolicy(FailurePolicy.skip())
                    .build();

            // when
            assertThat(log.read(-1, 10)).extracting(Envelope::event).element(1).isInstanceOf(UndecodableEvent.class);
            ProjectionRunner.builder(skipping, store, log)
                    .retryPolicy(new RetryPolicy(1, Duration.ZERO, Duration.ZERO))
                    .build()
                    .catchUp();

            // then
            assertThat(db.queryLong("SELECT count(*) FROM lockstep.dead_letters WHERE error_class = '"
                            + EventDecodingException.class.getName() + "' AND ((position = 2 AND error_message LIKE"
                            + " '%type ''Renamed''%unknown event type%') OR (position = 3 AND error_message LIKE"
                            + " '%malformed Deposited payload%'))"))
                    .isEqualTo(2);
        }
    }

    @Nested
    class Guarding {

        @Test
        void refusesToStartWhenStoredTransactionIdsAreAheadOfTheServer() {
            // given: simulate a restore into a younger cluster
            db.execute(
                    "ALTER TABLE lockstep.events DROP CONSTRAINT events_tx_id_check",
                    "INSERT INTO lockstep.events (tx_id, stream_id, stream_version, event_type, payload)"
                            + " VALUES ((pg_current_xact_id()::text::bigint + 1000000)::text::xid8, 'x', 0, 'Opened', '{}')");
            try {
                assertThatThrownBy(log::start)
                        .isInstanceOf(LockstepException.class)
                        .hasMessageContaining("transaction counter")
                        .hasMessageContaining("pg_resetwal");
            } finally {
                db.executeRemovingEvents(
                        "TRUNCATE lockstep.event_log, lockstep.events",
                        "ALTER TABLE lockstep.events ADD CONSTRAINT events_tx_id_check CHECK (tx_id <= pg_current_xact_id())");
            }
        }
    }
}
