package io.lockstep.postgres.eventlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.postgres.testing.GatedDataSource;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionRunner;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The event log's LISTEN connection is killed on the server (pg_terminate_backend, as a failover or an
 * idle-session killer would): the log must listen again, sequence on notifications and wake runners. Each
 * test gets a pool of its own, tagged with an application name, so its listening backend can be told apart.
 */
class ListenerReconnectTest {

    /** Shorter than the fallback tick and the runner's idle wait: only a notification can be this quick. */
    private static final Duration QUICKLY = Duration.ofSeconds(3);

    private static final Duration TICK_FALLBACK = Duration.ofSeconds(6);
    private static final Duration RUNNER_IDLE_WAIT = Duration.ofSeconds(30);

    record Pinged(int n) {}

    static final EventTypes TYPES =
            EventTypes.builder().register("Pinged", Pinged.class).build();

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(4);

    String application;
    HikariDataSource pool;
    final List<AutoCloseable> toClose = new ArrayList<>();
    final List<Long> applied = new CopyOnWriteArrayList<>();

    @BeforeEach
    void emptyTheLogAndOpenAPool() {
        db.emptyEventLog("lockstep.checkpoints");
        application = "reconnect-" + UUID.randomUUID().toString().substring(0, 8);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.jdbcUrl());
        config.setMaximumPoolSize(8);
        config.setPoolName(application);
        config.addDataSourceProperty("ApplicationName", application);
        pool = new HikariDataSource(config);
    }

    @AfterEach
    void closeEverything() throws Exception {
        try {
            for (AutoCloseable closeable : toClose.reversed()) {
                closeable.close();
            }
        } finally {
            pool.close();
        }
    }

    @Test
    void aTerminatedListenConnectionIsReestablishedAndTheNextAppendWakesTheRunner() throws Exception {
        // given
        PostgresEventLog log = started(PostgresEventLog.builder(pool, TYPES)
                .tickInterval(TICK_FALLBACK)
                .build());
        started(runner(log));
        await().atMost(QUICKLY).until(() -> log.sequencerStatus().listening());
        log.append("s", ExpectedVersion.noStream(), List.of(new Pinged(0)));
        await().atMost(QUICKLY).until(() -> applied.size() == 1);
        long killed = listeningBackend();

        // when
        terminate(killed);

        // then
        await().atMost(QUICKLY)
                .until(() -> listeningBackends().stream().anyMatch(pid -> pid != killed)
                        && log.sequencerStatus().listening());
        assertThat(listeningBackends())
                .as("listening backends")
                .doesNotContain(killed)
                .hasSize(1);
        log.append("s", ExpectedVersion.exactly(0), List.of(new Pinged(1)));
        await().atMost(QUICKLY).until(() -> applied.size() == 2);
        assertThat(applied).containsExactly(1L, 2L);
        assertThat(log.sequencerStatus().backlog()).isZero();
    }

    @Test
    void survivesRepeatedTerminations() throws Exception {
        // given
        PostgresEventLog log = started(PostgresEventLog.builder(pool, TYPES)
                .tickInterval(TICK_FALLBACK)
                .build());
        started(runner(log));
        await().atMost(QUICKLY)
                .until(() ->
                        log.sequencerStatus().listening() && listeningBackends().size() == 1);

        for (int round = 0; round < 3; round++) {
            // when
            long killed = listeningBackend();
            terminate(killed);
            await().atMost(QUICKLY)
                    .until(() -> listeningBackends().stream().anyMatch(pid -> pid != killed)
                            && log.sequencerStatus().listening());
            log.append("s", ExpectedVersion.any(), List.of(new Pinged(round)));

            // then
            int expected = round + 1;
            await().atMost(QUICKLY).until(() -> applied.size() == expected);
        }
        assertThat(applied).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aRunnerWaitingWhileTheConnectionWasDownIsWokenForEventsSequencedMeanwhile() throws Exception {
        // given: a log that only follows (another process sequences), behind a gate that can refuse connections
        GatedDataSource gate = new GatedDataSource(pool);
        PostgresEventLog following = started(PostgresEventLog.builder(gate, TYPES)
                .tickInterval(TICK_FALLBACK)
                .runSequencer(false)
                .build());
        PostgresEventLog sequencing =
                PostgresEventLog.builder(db.dataSource(), TYPES).build();
        started(runner(following));
        await().atMost(QUICKLY).until(() -> following.sequencerStatus().listening());
        sequencing.append("s", ExpectedVersion.noStream(), List.of(new Pinged(0)));
        sequencing.sequence();
        await().atMost(QUICKLY).until(() -> applied.size() == 1);

        // when: the follower's connection is lost and stays lost until the next event is sequenced
        gate.shut();
        terminate(listeningBackend());
        await().atMost(QUICKLY).until(() -> gate.refusals() > 0);
        sequencing.append("s", ExpectedVersion.exactly(0), List.of(new Pinged(1)));
        sequencing.sequence();
        gate.open();

        // then
        await().atMost(QUICKLY).until(() -> listeningBackends().size() == 1);
        await().atMost(QUICKLY).until(() -> applied.size() == 2);
    }

    @Test
    void closingTheLogLeavesNoPooledConnectionListening() throws Exception {
        // given
        PostgresEventLog log = started(PostgresEventLog.builder(pool, TYPES).build());
        await().atMost(QUICKLY)
                .until(() ->
                        log.sequencerStatus().listening() && listeningBackends().size() == 1);

        // when
        log.close();

        // then: borrow every connection the pool can have; none may still listen
        List<Connection> borrowed = new ArrayList<>();
        try {
            long channels = 0;
            for (int i = 0; i < pool.getMaximumPoolSize(); i++) {
                Connection connection = pool.getConnection();
                borrowed.add(connection);
                try (Statement statement = connection.createStatement();
                        ResultSet rows = statement.executeQuery("SELECT count(*) FROM pg_listening_channels()")) {
                    rows.next();
                    channels += rows.getLong(1);
                }
            }
            assertThat(channels)
                    .as("channels still listened to by pooled connections")
                    .isZero();
        } finally {
            for (Connection connection : borrowed) {
                connection.close();
            }
        }
    }

    private ProjectionRunner runner(PostgresEventLog log) {
        Projection<PostgresTransaction> recording = Projection.<PostgresTransaction>builder("pings")
                .on(Pinged.class, (event, envelope, tx) -> applied.add(envelope.position()))
                .build();
        return ProjectionRunner.builder(
                        recording, PostgresProjectionStore.builder(pool).build(), log)
                .idleWait(RUNNER_IDLE_WAIT)
                .build();
    }

    private PostgresEventLog started(PostgresEventLog log) {
        toClose.add(log);
        log.start();
        return log;
    }

    private ProjectionRunner started(ProjectionRunner runner) {
        toClose.add(runner);
        runner.start();
        return runner;
    }

    /** @return the one backend of this test's pool that listens, waiting for it to exist */
    private long listeningBackend() {
        return await().atMost(QUICKLY)
                .until(this::listeningBackends, pids -> pids.size() == 1)
                .getFirst();
    }

    /** @return the backends of this test's pool whose last statement was a LISTEN */
    private List<Long> listeningBackends() throws SQLException {
        return pids(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = ?"
                        + " AND query LIKE 'LISTEN%'",
                db.dataSource());
    }

    private List<Long> pids(String sql, DataSource dataSource) throws SQLException {
        List<Long> pids = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, application);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    pids.add(rows.getLong(1));
                }
            }
        }
        return pids;
    }

    private static void terminate(long pid) {
        assertThat(db.queryLong("SELECT CASE WHEN pg_terminate_backend(" + pid + ") THEN 1 ELSE 0 END"))
                .as("terminated backend %d", pid)
                .isOne();
    }
}
