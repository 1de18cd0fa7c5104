package io.lockstep.postgres.bench;

import io.lockstep.postgres.eventlog.PostgresEventLog;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;

/**
 * The baseline: plain multi-row INSERTs into {@code lockstep.events}, one statement per append, with stream
 * versions counted by the client (each thread owns its streams), no version check, no NOTIFY and no
 * sequencer. Events are encoded with the same {@link AppendWorkload#TYPES}, so the stored JSON is the same.
 *
 * <p>{@code plain-insert} commits each INSERT on its own (auto-commit: one round trip). Diagnostics add
 * Lockstep's costs one at a time: {@code plain-insert-tx} wraps the INSERT in an explicit transaction
 * committed by a second round trip (as Lockstep's append did until it took one round trip);
 * {@code plain-insert-notify} also calls {@code pg_notify} in the INSERT's statement, as Lockstep's appends
 * do where no local sequencer can be woken.
 * {@code plain-insert-cte} sends, in auto-commit, Lockstep's append statement (read the stream's version,
 * check it, insert the events listed after it, return their versions) without NOTIFY and without sequencer:
 * the cost of the statement's shape alone. {@code plain-insert-sequenced} sends the baseline's INSERTs while a
 * started log sequences them (ticking every 10 ms, as Lockstep's sequencer does under a stream of appends):
 * the cost of giving every event a position, which no append path can avoid.
 */
final class PlainInserts implements AppendContender {

    static final String PLAIN = "plain-insert";
    static final String PLAIN_TX = "plain-insert-tx";
    static final String PLAIN_NOTIFY = "plain-insert-notify";
    static final String PLAIN_CTE = "plain-insert-cte";
    static final String PLAIN_SEQUENCED = "plain-insert-sequenced";

    /** The channel Lockstep's appends notify in the default schema. */
    private static final String NOTIFY_CHANNEL = "lockstep_appended";

    private final String name;

    PlainInserts(String name) {
        if (!List.of(PLAIN, PLAIN_TX, PLAIN_NOTIFY, PLAIN_CTE, PLAIN_SEQUENCED).contains(name)) {
            throw new IllegalArgumentException("unknown plain-insert variant '" + name + "'");
        }
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Session open(DataSource dataSource) {
        PostgresEventLog log = name.equals(PLAIN_SEQUENCED)
                ? PostgresEventLog.builder(dataSource, AppendWorkload.TYPES)
                        .tickInterval(Duration.ofMillis(10))
                        .build()
                : null;
        if (log != null) {
            log.start();
        }
        return new Session() {
            @Override
            public Append appender(int thread, int eventsPerAppend) {
                AppendWorkload.Streams streams = new AppendWorkload.Streams(thread);
                if (name.equals(PLAIN_CTE)) {
                    return () -> insertVersioned(dataSource, streams, eventsPerAppend);
                }
                String sql = sql(eventsPerAppend);
                return () -> insert(dataSource, sql, streams, eventsPerAppend);
            }

            @Override
            public long backlog() {
                return log == null ? 0 : log.sequencerStatus().backlog();
            }

            @Override
            public boolean sequences() {
                return log != null;
            }

            @Override
            public void close() {
                if (log != null) {
                    log.close();
                }
            }
        };
    }

    private void insert(DataSource dataSource, String sql, AppendWorkload.Streams streams, int count)
            throws SQLException {
        int stream = streams.advance();
        String streamId = streams.id(stream);
        try (Connection connection = dataSource.getConnection()) {
            boolean transaction = !name.equals(PLAIN) && !name.equals(PLAIN_SEQUENCED);
            connection.setAutoCommit(!transaction);
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                int p = 1;
                for (AppendWorkload.Deposited event : AppendWorkload.events(streamId, count)) {
                    statement.setString(p++, streamId);
                    statement.setLong(p++, streams.takeVersion(stream));
                    statement.setString(p++, AppendWorkload.TYPES.nameOf(event));
                    statement.setString(p++, AppendWorkload.TYPES.toJson(event));
                    statement.setString(p++, "{}");
                }
                statement.execute();
                if (transaction) {
                    connection.commit();
                }
            } catch (SQLException | RuntimeException e) {
                if (transaction) {
                    connection.rollback();
                }
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    /**
     * Lockstep's append statement for up to 64 events, as EventLogSql.append builds it, without its NOTIFY:
     * keep the two alike.
     */
    private static String versioned(int count) {
        StringBuilder sql = new StringBuilder("INSERT INTO lockstep.events (stream_id, stream_version, event_type,"
                + " payload, metadata) SELECT ?, cur.v + t.ord, t.type, t.payload::jsonb, ?::jsonb"
                + " FROM (SELECT coalesce(max(stream_version), -1) AS v FROM lockstep.events WHERE stream_id = ?) cur,"
                + " (VALUES ");
        for (int i = 1; i <= count; i++) {
            sql.append(i == 1 ? "(" : ", (").append(i).append(", ?, ?)");
        }
        return sql.append(") AS t(ord, type, payload) WHERE ? OR cur.v = ? RETURNING stream_version")
                .toString();
    }

    private static void insertVersioned(DataSource dataSource, AppendWorkload.Streams streams, int count)
            throws SQLException {
        String streamId = streams.id(streams.advance());
        List<AppendWorkload.Deposited> events = AppendWorkload.events(streamId, count);
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(versioned(count))) {
            int p = 1;
            statement.setString(p++, streamId);
            statement.setString(p++, "{}");
            statement.setString(p++, streamId);
            for (AppendWorkload.Deposited event : events) {
                statement.setString(p++, AppendWorkload.TYPES.nameOf(event));
                statement.setString(p++, AppendWorkload.TYPES.toJson(event));
            }
            statement.setBoolean(p++, true);
            statement.setLong(p, -2);
            int inserted = 0;
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    inserted++;
                }
            }
            if (inserted != count) {
                throw new IllegalStateException("inserted " + inserted + " of " + count + " events");
            }
        }
    }

    private String sql(int rows) {
        StringBuilder sql = new StringBuilder(
                "INSERT INTO lockstep.events (stream_id, stream_version, event_type," + " payload, metadata) VALUES ");
        for (int i = 0; i < rows; i++) {
            sql.append(i == 0 ? "" : ", ").append("(?, ?, ?, ?::jsonb, ?::jsonb)");
        }
        return name.equals(PLAIN_NOTIFY)
                ? "WITH ins AS (" + sql + " RETURNING 1) SELECT (SELECT count(*) FROM ins), pg_notify('"
                        + NOTIFY_CHANNEL + "', '')"
                : sql.toString();
    }
}
