package io.lockstep.postgres.eventlog;

import static io.lockstep.postgres.eventlog.NotedLog.notes;
import static io.lockstep.postgres.eventlog.NotedLog.sideEffect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lockstep.postgres.eventlog.NotedLog.Noted;
import io.lockstep.postgres.testing.RoundTripCounter;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.Envelope;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link PostgresEventLog#appendInTransaction}: one round trip per append, counted on the wire by a relay
 * between the driver and the server, and a caller's transaction that stays usable after a conflict, also
 * after a lost race (a unique violation, which aborts a transaction unless rolled back to a savepoint).
 */
class AppendInTransactionTest {

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(4);

    private PostgresEventLog log;

    @BeforeEach
    void emptyLog() {
        log = NotedLog.emptied(db);
    }

    @Test
    void costsOneRoundTripPerAppendWhateverTheExpectedVersion() throws Exception {
        try (RoundTripCounter counter = RoundTripCounter.relaying(db.jdbcUrl());
                Connection connection = DriverManager.getConnection(counter.jdbcUrl(db.jdbcUrl()))) {
            connection.setAutoCommit(false);
            // given: 10 streams created, moved on by exact versions, then by any version (which takes turns),
            // enough appends for the driver to switch to server-prepared statements on the way
            long before = counter.roundTrips();

            // when
            for (int i = 0; i < 10; i++) {
                log.appendInTransaction(connection, "s" + i, ExpectedVersion.noStream(), notes("created"), Map.of());
            }
            for (int i = 0; i < 10; i++) {
                log.appendInTransaction(connection, "s" + i, ExpectedVersion.exactly(0), notes("a", "b"), Map.of());
            }
            for (int i = 0; i < 10; i++) {
                log.appendInTransaction(connection, "s" + i, ExpectedVersion.any(), notes("c"), Map.of("k", "v"));
            }
            long appends = counter.roundTrips() - before;
            connection.commit();

            // then
            assertThat(appends)
                    .as("round trips of 30 appends in the caller's transaction")
                    .isEqualTo(30);
        }
        assertThat(log.readStream("s7", 0, 10))
                .extracting(Envelope::event)
                .containsExactly(new Noted("created"), new Noted("a"), new Noted("b"), new Noted("c"));
    }

    @Test
    void aVersionConflictStoresNothingAndTheTransactionGoesOn() throws Exception {
        // given
        log.append("s", ExpectedVersion.noStream(), notes("first"));
        try (Connection connection = db.openConnection()) {
            connection.setAutoCommit(false);
            sideEffect(connection, "before");

            // when
            assertThatThrownBy(() -> log.appendInTransaction(
                            connection, "s", ExpectedVersion.exactly(5), notes("stale"), Map.of()))
                    .isInstanceOfSatisfying(StreamVersionConflictException.class, e -> {
                        assertThat(e.streamId()).isEqualTo("s");
                        assertThat(e.expected()).isEqualTo(ExpectedVersion.exactly(5));
                        assertThat(e.actual()).isZero();
                    });
            log.appendInTransaction(connection, "t", ExpectedVersion.noStream(), notes("after"), Map.of());
            sideEffect(connection, "after");
            connection.commit();
        }

        // then
        assertThat(log.readStream("s", 0, 10)).extracting(Envelope::event).containsExactly(new Noted("first"));
        assertThat(log.readStream("t", 0, 10)).extracting(Envelope::event).containsExactly(new Noted("after"));
        assertThat(db.queryLong("SELECT count(*) FROM side_effects")).isEqualTo(2);
    }

    @Test
    void aLostRaceIsRolledBackToItsSavepointAndTheTransactionGoesOn() throws Exception {
        try (Connection winner = db.openConnection();
                Connection loser = db.openConnection()) {
            // given: the winner has taken version 0 of "race" and not committed yet
            winner.setAutoCommit(false);
            log.appendInTransaction(winner, "race", ExpectedVersion.noStream(), notes("winner"), Map.of());
            loser.setAutoCommit(false);
            sideEffect(loser, "loser before");
            int loserPid = pid(loser);

            // when: the loser read the stream as empty too, so its insert waits for the winner's key
            CompletableFuture<Throwable> lost = CompletableFuture.supplyAsync(() -> {
                try {
                    log.appendInTransaction(loser, "race", ExpectedVersion.noStream(), notes("loser"), Map.of());
                    return null;
                } catch (RuntimeException e) {
                    return e;
                }
            });
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> db.queryLong("SELECT count(*) FROM pg_stat_activity" + " WHERE pid = " + loserPid
                                    + " AND wait_event_type = 'Lock'")
                            == 1);
            winner.commit();

            // then: a conflict with the winner's version, and the loser's transaction still works
            assertThat(lost.get(10, TimeUnit.SECONDS))
                    .isInstanceOfSatisfying(
                            StreamVersionConflictException.class,
                            e -> assertThat(e.actual()).isZero());
            log.appendInTransaction(loser, "other", ExpectedVersion.noStream(), notes("loser after"), Map.of());
            sideEffect(loser, "loser after");
            loser.commit();
        }
        assertThat(log.readStream("race", 0, 10)).extracting(Envelope::event).containsExactly(new Noted("winner"));
        assertThat(log.readStream("other", 0, 10)).hasSize(1);
        assertThat(db.queryLong("SELECT count(*) FROM side_effects")).isEqualTo(2);
    }

    @Test
    void refusesAConnectionInAutoCommitModeAndSendsNothing() throws Exception {
        try (RoundTripCounter counter = RoundTripCounter.relaying(db.jdbcUrl());
                Connection connection = DriverManager.getConnection(counter.jdbcUrl(db.jdbcUrl()))) {
            long before = counter.roundTrips();

            assertThatThrownBy(
                            () -> log.appendInTransaction(connection, "s", ExpectedVersion.any(), notes("x"), Map.of()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("auto-commit mode")
                    .hasMessageContaining("setAutoCommit(false)");
            assertThat(counter.roundTrips()).isEqualTo(before);
        }
        assertThat(db.queryLong("SELECT count(*) FROM lockstep.events")).isZero();
    }

    private static int pid(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                var rows = statement.executeQuery("SELECT pg_backend_pid()")) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
