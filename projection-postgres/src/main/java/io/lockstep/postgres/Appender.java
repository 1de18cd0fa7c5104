package io.lockstep.postgres;

import io.lockstep.projection.internal.Arguments;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Appends events to one stream with an optimistic version check, in one statement that also notifies the
 * sequencer (delivered on commit) when asked to. Thread-safe.
 */
final class Appender {

    private static final String UNIQUE_VIOLATION = "23505";
    /** Appends with {@link ExpectedVersion.Any} that lose a race on the stream's next version try again. */
    private static final int ANY_VERSION_ATTEMPTS = 10;

    private final EventLogSql sql;
    private final EventTypes types;

    Appender(EventLogSql sql, EventTypes types) {
        this.sql = sql;
        this.types = types;
    }

    /** Checks and encodes an append before any database work, so bad input changes nothing. */
    Encoded encode(String streamId, ExpectedVersion expected, List<?> events, Map<String, String> metadata) {
        Arguments.requireName(streamId, "streamId");
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(metadata, "metadata");
        if (events.isEmpty()) {
            throw new IllegalArgumentException("append to stream '" + streamId + "' has no events; pass at least one");
        }
        String[] names = new String[events.size()];
        String[] payloads = new String[events.size()];
        for (int i = 0; i < names.length; i++) {
            Object event = Objects.requireNonNull(events.get(i), "events[" + i + "]");
            names[i] = types.nameOf(event);
            payloads[i] = types.toJson(event);
        }
        return new Encoded(streamId, expected, names, payloads, types.encodeMetadata(metadata));
    }

    /** An append, checked and encoded. */
    record Encoded(String streamId, ExpectedVersion expected, String[] names, String[] payloads, String metadata) {
    }

    /**
     * Appends on {@code connection}, inside its current transaction; a lost race is turned into a
     * {@link StreamVersionConflictException} (or retried, for {@link ExpectedVersion.Any}) after rolling back
     * to a savepoint, so the caller's transaction stays usable. Notifies the sequencer on commit.
     */
    AppendResult append(Connection connection, Encoded append) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            Savepoint savepoint = connection.setSavepoint();
            try {
                AppendResult result = insert(connection, append, true);
                connection.releaseSavepoint(savepoint);
                return result;
            } catch (SQLException e) {
                if (!lostRace(e)) {
                    throw e;
                }
                connection.rollback(savepoint);
                if (!retries(append, attempt)) {
                    throw new StreamVersionConflictException(append.streamId(), append.expected(),
                            actualVersion(connection, append.streamId()));
                }
            }
        }
    }

    /**
     * One append attempt on {@code connection}; throws the driver's unique violation on a lost race.
     *
     * @param notify whether the append notifies the sequencer (false when the caller wakes a local one)
     */
    AppendResult insert(Connection connection, Encoded append, boolean notify) throws SQLException {
        if (append.expected() instanceof ExpectedVersion.Any) {
            // Appenders that expect any version take turns per stream (a transaction-scoped advisory lock on
            // the stream's hash), so they never race for the next version. A statement of its own: under
            // READ COMMITTED the insert's snapshot must be taken after the lock is granted.
            try (PreparedStatement lock = connection.prepareStatement(
                    "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")) {
                lock.setString(1, append.streamId());
                lock.execute();
            }
        }
        try (PreparedStatement statement = connection.prepareStatement(sql.append())) {
            long expected = switch (append.expected()) {
                case ExpectedVersion.Any any -> -2;
                case ExpectedVersion.NoStream none -> -1;
                case ExpectedVersion.Exactly exactly -> exactly.version();
            };
            statement.setString(1, append.streamId());
            statement.setString(2, append.streamId());
            statement.setString(3, append.metadata());
            statement.setArray(4, connection.createArrayOf("text", append.names()));
            statement.setArray(5, connection.createArrayOf("text", append.payloads()));
            statement.setBoolean(6, append.expected() instanceof ExpectedVersion.Any);
            statement.setLong(7, expected);
            statement.setBoolean(8, notify);
            statement.setString(9, sql.appended());
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                long before = rows.getLong(1);
                long inserted = rows.getLong(2);
                if (inserted == 0) {
                    throw new StreamVersionConflictException(append.streamId(), append.expected(), before);
                }
                return new AppendResult(append.streamId(), before + 1, before + inserted);
            }
        }
    }

    /** @return true when {@code e} says another appender took the stream's next version first */
    static boolean lostRace(SQLException e) {
        return UNIQUE_VIOLATION.equals(e.getSQLState());
    }

    /** @return true when a lost race of this append should be retried */
    static boolean retries(Encoded append, int attempt) {
        return append.expected() instanceof ExpectedVersion.Any && attempt < ANY_VERSION_ATTEMPTS;
    }

    long actualVersion(Connection connection, String streamId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql.actualVersion())) {
            statement.setString(1, streamId);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }
}
