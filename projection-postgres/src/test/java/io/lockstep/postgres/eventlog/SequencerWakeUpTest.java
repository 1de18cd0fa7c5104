package io.lockstep.postgres.eventlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.postgres.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * How an append wakes the sequencer: in-process, without a notification, when it commits in its own
 * transaction in a process whose log is started; by NOTIFY otherwise. The started logs tick only every
 * {@link #SLOW_TICK}, so an event sequenced {@link #QUICKLY} was sequenced because something woke the sequencer.
 */
class SequencerWakeUpTest {

    private static final Duration SLOW_TICK = Duration.ofSeconds(10);
    private static final Duration QUICKLY = Duration.ofSeconds(3);

    record Noted(String note) {}

    static final EventTypes TYPES =
            EventTypes.builder().register("Noted", Noted.class).build();

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(8);

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

    @Test
    void anAppendInAStartedLogWakesItsSequencerInProcessWithoutNotifying() throws Exception {
        // given: a started log, and a connection of our own listening for append notifications
        PostgresEventLog log = started(slowlyTicking());
        Connection listener = listening("lockstep_appended", "test_marker");

        // when: the second append goes after the version the log remembers from the first
        AppendResult first = log.append("a", ExpectedVersion.noStream(), List.of(new Noted("woken in-process")));
        assertThat(log.awaitPosition(first, QUICKLY)).hasValue(1);
        AppendResult second = log.append("a", ExpectedVersion.any(), List.of(new Noted("woken again")));

        // then
        assertThat(log.awaitPosition(second, QUICKLY)).hasValue(2);
        notify("test_marker");
        assertThat(notificationsUpToTheMarker(listener))
                .as("append notifications sent before the marker")
                .isEmpty();
    }

    @Test
    void anAppendOfAProcessThatDoesNotRunTheLogNotifiesTheSequencerOfAnother() throws Exception {
        // given: a started log elsewhere, listening, and a log that only appends
        PostgresEventLog sequencing = started(slowlyTicking());
        PostgresEventLog appendOnly =
                PostgresEventLog.builder(db.dataSource(), TYPES).build();
        await().atMost(QUICKLY).until(() -> sequencing.sequencerStatus().listening());

        // when: the second append goes after the version the log remembers from the first
        AppendResult first = appendOnly.append("a", ExpectedVersion.noStream(), List.of(new Noted("notified")));
        assertThat(sequencing.awaitPosition(first, QUICKLY)).hasValue(1);
        AppendResult second = appendOnly.append("a", ExpectedVersion.any(), List.of(new Noted("notified again")));

        // then
        assertThat(sequencing.awaitPosition(second, QUICKLY)).hasValue(2);
    }

    @Test
    void anAppendOfALogStartedWithoutSequencerNotifiesTheSequencerOfAnother() throws Exception {
        // given
        PostgresEventLog sequencing = started(slowlyTicking());
        PostgresEventLog following = started(PostgresEventLog.builder(db.dataSource(), TYPES)
                .tickInterval(SLOW_TICK)
                .runSequencer(false)
                .build());
        await().atMost(QUICKLY)
                .until(() -> sequencing.sequencerStatus().listening()
                        && following.sequencerStatus().listening());

        // when
        AppendResult appended = following.append("a", ExpectedVersion.noStream(), List.of(new Noted("notified")));

        // then
        assertThat(following.awaitPosition(appended, QUICKLY)).hasValue(1);
    }

    @Test
    void anAppendInTheCallersTransactionNotifiesOnCommit() throws Exception {
        // given
        PostgresEventLog log = started(slowlyTicking());
        await().atMost(QUICKLY).until(() -> log.sequencerStatus().listening());
        AppendResult appended;
        try (Connection connection = db.dataSource().getConnection()) {
            connection.setAutoCommit(false);
            appended = log.appendInTransaction(
                    connection, "a", ExpectedVersion.noStream(), List.of(new Noted("in a command")), Map.of());

            // when
            connection.commit();
            connection.setAutoCommit(true);
        }

        // then
        assertThat(log.awaitPosition(appended, QUICKLY)).hasValue(1);
    }

    private PostgresEventLog slowlyTicking() {
        return PostgresEventLog.builder(db.dataSource(), TYPES)
                .tickInterval(SLOW_TICK)
                .build();
    }

    private PostgresEventLog started(PostgresEventLog log) {
        toClose.add(log);
        log.start();
        return log;
    }

    /** @return a connection of its own (not pooled) that listens on {@code channels} */
    private Connection listening(String... channels) throws SQLException {
        Connection connection = db.openConnection();
        toClose.add(connection);
        try (Statement statement = connection.createStatement()) {
            for (String channel : channels) {
                statement.execute("LISTEN " + channel);
            }
        }
        return connection;
    }

    private static void notify(String channel) {
        db.execute("NOTIFY " + channel);
    }

    /**
     * Notifications arrive in commit order, so everything an append notified before the marker was sent has
     * arrived once the marker has.
     *
     * @return the channels notified before the marker
     */
    private static List<String> notificationsUpToTheMarker(Connection listener) throws SQLException {
        List<String> before = new ArrayList<>();
        long deadline = System.nanoTime() + QUICKLY.toNanos();
        while (System.nanoTime() < deadline) {
            PGNotification[] received = listener.unwrap(PGConnection.class).getNotifications(100);
            for (PGNotification notification : received == null ? new PGNotification[0] : received) {
                if (notification.getName().equals("test_marker")) {
                    return before;
                }
                before.add(notification.getName());
            }
        }
        throw new AssertionError("the marker notification did not arrive within " + QUICKLY);
    }
}
