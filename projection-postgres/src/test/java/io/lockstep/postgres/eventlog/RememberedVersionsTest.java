package io.lockstep.postgres.eventlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockstep.migrations.LockstepMigrations;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.Envelope;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * An append in a transaction of its own goes after the version the process remembers from its own appends
 * to the stream, without reading it. These tests move the stored stream away from what a log remembers and
 * check that no append ever leaves a hole or a duplicate version, and that stored events cannot be removed
 * behind a running appender.
 */
class RememberedVersionsTest {

    record Noted(String text) {}

    static final EventTypes TYPES =
            EventTypes.builder().register("Noted", Noted.class).build();

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(4);

    @BeforeEach
    void emptyTheLog() {
        db.emptyEventLog();
    }

    @Nested
    class WhenAnotherProcessMovedTheStreamOn {

        @Test
        void anAppendExpectingAnyVersionLandsAfterTheOtherProcesssEvents() {
            // given: this process remembers version 1 of "s"; another one appends versions 2 and 3
            PostgresEventLog here = log();
            PostgresEventLog elsewhere = log();
            here.append("s", ExpectedVersion.noStream(), notes("a", "b"));
            elsewhere.append("s", ExpectedVersion.exactly(1), notes("c", "d"));

            // when
            AppendResult result = here.append("s", ExpectedVersion.any(), notes("e"));

            // then
            assertThat(result.firstVersion()).isEqualTo(4);
            assertThat(stream(here, "s")).containsExactly("a", "b", "c", "d", "e");
        }

        @Test
        void anExactAppendAtTheRememberedVersionConflictsAndStoresNothing() {
            // given
            PostgresEventLog here = log();
            PostgresEventLog elsewhere = log();
            here.append("s", ExpectedVersion.noStream(), notes("a", "b"));
            elsewhere.append("s", ExpectedVersion.exactly(1), notes("c"));

            // when / then
            assertThatThrownBy(() -> here.append("s", ExpectedVersion.exactly(1), notes("lost")))
                    .isInstanceOfSatisfying(StreamVersionConflictException.class, conflict -> {
                        assertThat(conflict.streamId()).isEqualTo("s");
                        assertThat(conflict.actual()).isEqualTo(2);
                    });
            assertThat(stream(here, "s")).containsExactly("a", "b", "c");
            assertThat(here.append("s", ExpectedVersion.exactly(2), notes("d")).firstVersion())
                    .isEqualTo(3);
        }

        @Test
        void aStreamAppendedToInTheCallersTransactionThatRolledBackKeepsNoHole() throws Exception {
            // given: a remembered version 0, then an append in a transaction that rolls back
            PostgresEventLog here = log();
            here.append("s", ExpectedVersion.noStream(), notes("a"));
            try (var connection = db.dataSource().getConnection()) {
                connection.setAutoCommit(false);
                here.appendInTransaction(connection, "s", ExpectedVersion.any(), notes("rolled back"), Map.of());
                connection.rollback();
            }

            // when
            AppendResult result = here.append("s", ExpectedVersion.any(), notes("b"));

            // then
            assertThat(result.firstVersion()).isEqualTo(1);
            assertThat(stream(here, "s")).containsExactly("a", "b");
        }
    }

    @Nested
    class StoredEventsAreImmutable {

        @Test
        void deletingTruncatingOrMovingEventsIsRefusedWithTheWayAround() {
            // given
            log().append("s", ExpectedVersion.noStream(), notes("a", "b"));

            // when / then
            for (String removal : List.of(
                    "DELETE FROM lockstep.events WHERE stream_id = 's'",
                    "TRUNCATE lockstep.events, lockstep.event_log",
                    "UPDATE lockstep.events SET stream_version = stream_version + 5",
                    "UPDATE lockstep.events SET stream_id = 'elsewhere'")) {
                assertThatThrownBy(() -> db.execute(removal))
                        .as(removal)
                        .hasMessageContaining("refused: stored events are never removed or moved");
            }
            assertThat(db.queryLong("SELECT count(*) FROM lockstep.events WHERE stream_id = 's'"))
                    .isEqualTo(2);
        }

        @Test
        void payloadsMayBeRedacted() {
            // given
            PostgresEventLog log = log();
            log.append("s", ExpectedVersion.noStream(), notes("personal"));

            // when
            db.execute("UPDATE lockstep.events SET payload = '{\"text\": \"redacted\"}' WHERE stream_id = 's'");

            // then
            assertThat(stream(log, "s")).containsExactly("redacted");
        }

        @Test
        void theDeliberateRemovalTakesTheSettingInItsTransaction() {
            // given
            log().append("s", ExpectedVersion.noStream(), notes("a"));

            // when
            db.executeRemovingEvents("DELETE FROM lockstep.events WHERE stream_id = 's'");

            // then
            assertThat(db.queryLong("SELECT count(*) FROM lockstep.events")).isZero();
        }
    }

    @Nested
    class WhatIsRemembered {

        @Test
        void removingEventsBehindARunningAppenderLeavesTheHoleV6Prevents() {
            // when
            AppendResult result = appendAfterVersionsRemovedBehind(db.dataSource());

            // then: it went after what it remembers, as documented ("stop every appending process first")
            assertThat(result.firstVersion()).isEqualTo(3);
        }

        @Test
        void theServersStartTimeMatchesWhateverTheSessionsDateStyleAndTimeZone() {
            // when: sessions print times their own way (the start time is bound as ISO 8601 text)
            AppendResult result =
                    appendAfterVersionsRemovedBehind(sessionsWith("-c DateStyle=SQL,DMY -c TimeZone=Asia/Kathmandu"));

            // then: the remembered version was used (the epoch matched)
            assertThat(result.firstVersion()).isEqualTo(3);
        }

        @Test
        void appendsWhoseCommitIsNotDurableWhenAcknowledgedAreNotRemembered() {
            // when: appends with synchronous_commit off, which a crash restart can lose as the removal does
            AppendResult result = appendAfterVersionsRemovedBehind(sessionsWith("-c synchronous_commit=off"));

            // then
            assertThat(result.firstVersion()).isEqualTo(1);
            assertThat(stream(log(), "s")).containsExactly("a", "d");
        }

        /**
         * Appends versions 0-2 of "s" through a log on {@code dataSource}, removes versions 1 and 2 behind it
         * (deliberately, with the setting), and appends once more through the same log.
         */
        private static AppendResult appendAfterVersionsRemovedBehind(DataSource dataSource) {
            PostgresEventLog log = PostgresEventLog.builder(dataSource, TYPES).build();
            log.append("s", ExpectedVersion.noStream(), notes("a", "b", "c"));
            db.executeRemovingEvents("DELETE FROM lockstep.events WHERE stream_id = 's' AND stream_version > 0");
            return log.append("s", ExpectedVersion.any(), notes("d"));
        }

        private static DataSource sessionsWith(String options) {
            PGSimpleDataSource dataSource = new PGSimpleDataSource();
            dataSource.setURL(db.jdbcUrl());
            dataSource.setOptions(options);
            return dataSource;
        }

        @Test
        void afterTheSchemaIsCreatedAnewTheNextAppendStartsFromTheStoredVersion() {
            // given: a log on its own schema, on one connection whose append statements are server-prepared by
            // now (pgjdbc prepares on the fifth run), remembers version 5 of "s"
            LockstepMigrations.migrate(db.dataSource(), "anew");
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(db.jdbcUrl());
            config.setMaximumPoolSize(1);
            try (HikariDataSource oneConnection = new HikariDataSource(config)) {
                PostgresEventLog log = PostgresEventLog.builder(oneConnection, TYPES)
                        .schema("anew")
                        .build();
                log.append("s", ExpectedVersion.noStream(), notes("0"));
                for (int i = 1; i <= 5; i++) {
                    log.append("s", ExpectedVersion.any(), notes(String.valueOf(i)));
                }

                // when: the schema is dropped and migrated again behind it (no trigger sees a DROP)
                db.execute("DROP SCHEMA anew CASCADE");
                LockstepMigrations.migrate(db.dataSource(), "anew");
                AppendResult result = log.append("s", ExpectedVersion.any(), notes("again"));

                // then
                assertThat(result.firstVersion()).isZero();
                assertThat(stream(log, "s")).containsExactly("again");
            }
        }
    }

    private static PostgresEventLog log() {
        return PostgresEventLog.builder(db.dataSource(), TYPES).build();
    }

    private static List<Noted> notes(String... texts) {
        return Arrays.stream(texts).map(Noted::new).toList();
    }

    /** @return the texts of the stream's events, after checking that its versions are 0, 1, 2, ... */
    private static List<String> stream(PostgresEventLog log, String streamId) {
        List<Envelope> events = log.readStream(streamId, 0, 1000);
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).streamVersion())
                    .as("version of event %d of %s", i, streamId)
                    .isEqualTo(i);
        }
        return events.stream().map(e -> ((Noted) e.event()).text()).toList();
    }
}
