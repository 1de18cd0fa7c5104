package io.lockstep.postgres.eventlog;

import io.lockstep.projection.internal.Arguments;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Appends events to one stream with an optimistic version check, in one round trip: one statement reads
 * the stream's version, checks it, inserts and returns the new versions (see {@link EventLogSql#append}).
 * An append in a transaction of its own to a stream whose version this process remembers from its own
 * committed appends skips the read ({@link EventLogSql#appendAfter}, {@link StreamVersions}). A second query
 * is only needed when an append fails (for the stream's actual version) or the remembered version turns out
 * to be stale (the append then reads the stream). Thread-safe.
 */
final class Appender {

    private static final String UNIQUE_VIOLATION = "23505";
    /** The unique key on (stream_id, stream_version) that V3 creates. */
    private static final String STREAM_VERSION_KEY = "events_stream_id_stream_version_key";
    /**
     * Appends with {@link ExpectedVersion.Any} that lose a race on the stream's next version try again. Each
     * lost race means another append to the stream committed, so the stream moves on; under heavy contention
     * on one stream (OptimisticConcurrencyTest: 4 appenders per stream) an append needs at most about 5.
     */
    private static final int ANY_VERSION_ATTEMPTS = 20;

    private final EventLogSql sql;
    private final EventTypes types;
    private final StreamVersions versions = new StreamVersions();
    private final AppendStatements statements;

    Appender(EventLogSql sql, EventTypes types) {
        this.sql = sql;
        this.statements = new AppendStatements(sql);
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
            Object event = events.get(i);
            if (event == null) { // not requireNonNull(event, "events[" + i + "]"): no message built per event
                throw new NullPointerException("events[" + i + "]");
            }
            names[i] = types.nameOf(event);
            payloads[i] = types.toJson(event);
        }
        return new Encoded(streamId, expected, names, payloads, types.encodeMetadata(metadata));
    }

    /** Forgets the version this process remembers for {@code streamId}: a bulk append moved it on. */
    void forget(String streamId) {
        versions.forget(streamId);
    }

    /** An append, checked and encoded. */
    record Encoded(String streamId, ExpectedVersion expected, String[] names, String[] payloads, String metadata) {

        boolean anyVersion() {
            return expected instanceof ExpectedVersion.Any;
        }
    }

    /**
     * Appends in a transaction of its own on {@code connection}, which is in auto-commit mode: committed when
     * this returns, and the stream's new version remembered. The first attempt is one statement: after the
     * remembered version when there is one that fits the expected version, else after the version it reads.
     * A remembered version that turns out to be behind (unique violation) is forgotten, and the append goes
     * on as if there had been none (an exact expectation has then lost). An append expecting any version that
     * loses the race for the stream's next version tries again, taking turns with the other appenders of the
     * stream from then on (an advisory lock sent with the statement, still one round trip).
     *
     * @param notify whether the append notifies the sequencers (false when the caller wakes a local one)
     * @throws StreamVersionConflictException when the stream is not at the expected version, or an append
     *                                        expecting any version lost {@value #ANY_VERSION_ATTEMPTS} races
     */
    AppendResult appendCommitted(Connection connection, Encoded append, boolean notify) throws SQLException {
        StreamVersions.Remembered remembered = versions.versionOf(append.streamId());
        if (fits(append.expected(), remembered)) {
            try {
                Inserted inserted = insertAfter(connection, append, remembered, notify);
                if (inserted != null) {
                    remember(append, inserted);
                    return inserted.result();
                }
                versions.forgetAll(remembered.epoch()); // another server start or events table, or no longer durable
            } catch (SQLException e) {
                if (!lostRace(e)) {
                    throw e;
                }
                versions.forget(append.streamId());
                if (!append.anyVersion()) {
                    throw conflict(connection, append);
                }
            }
        }
        for (int attempt = 1; ; attempt++) {
            try {
                // only appends expecting any version retry, and they take turns from then on
                Inserted inserted = insert(connection, append, attempt > 1, notify, false);
                remember(append, inserted);
                return inserted.result();
            } catch (SQLException e) {
                if (!lostRace(e)) {
                    throw e;
                }
                if (!retries(append, attempt)) {
                    throw conflict(connection, append);
                }
            }
        }
    }

    /**
     * Appends on {@code connection}, inside its current transaction, notifying the sequencers on commit; one
     * round trip (see {@link EventLogSql#appendInSavepoint}). Appends expecting any version take turns per
     * stream (an advisory lock held until the caller's transaction ends). A lost race is rolled back to the
     * append's savepoint (a second round trip), so the caller's transaction stays usable, and turned into a
     * {@link StreamVersionConflictException} (or retried, for {@link ExpectedVersion.Any}); a version that
     * does not match inserts nothing, and the conflict reads the actual version (a second round trip).
     */
    AppendResult appendInTransaction(Connection connection, Encoded append) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                // not remembered: the caller's transaction may still roll back
                return insert(connection, append, append.anyVersion(), true, true)
                        .result();
            } catch (SQLException e) {
                rollBackToSavepoint(connection, e);
                if (!lostRace(e)) {
                    throw e;
                }
                if (!retries(append, attempt)) {
                    throw conflict(connection, append);
                }
            }
        }
    }

    /**
     * Undoes a failed append in the caller's transaction, whatever the failure, so that transaction stays
     * usable; a failed rollback (the connection is gone) is added to {@code failure}, then thrown with it.
     */
    private static void rollBackToSavepoint(Connection connection, SQLException failure) throws SQLException {
        try (Statement rollback = connection.createStatement()) {
            rollback.execute(EventLogSql.ROLLBACK_APPEND_SAVEPOINT);
        } catch (SQLException rollbackFailure) {
            failure.addSuppressed(rollbackFailure);
            throw failure;
        }
    }

    /**
     * One append attempt on {@code connection}.
     *
     * @param takeTurns   whether to take the stream's advisory lock first (for appends expecting any version)
     * @param inSavepoint whether the statement runs in a savepoint of its own (in the caller's transaction)
     * @throws SQLException                   the driver's unique violation on a lost race
     * @throws StreamVersionConflictException when the stream is not at the expected version
     */
    private Inserted insert(
            Connection connection, Encoded append, boolean takeTurns, boolean notify, boolean inSavepoint)
            throws SQLException {
        int events = append.names().length;
        String statementSql =
                inSavepoint ? statements.appendInSavepoint(events, takeTurns) : statements.append(events, takeTurns);
        try (PreparedStatement statement = connection.prepareStatement(statementSql)) {
            int p = 1;
            if (takeTurns) {
                statement.setString(p++, append.streamId());
            }
            statement.setString(p++, append.streamId());
            statement.setString(p++, append.metadata());
            statement.setString(p++, append.streamId());
            p = setEvents(connection, statement, p, append);
            statement.setBoolean(p++, append.anyVersion());
            statement.setLong(
                    p++,
                    switch (append.expected()) {
                        case ExpectedVersion.Any any -> -2;
                        case ExpectedVersion.NoStream none -> -1;
                        case ExpectedVersion.Exactly exactly -> exactly.version();
                    });
            statement.setBoolean(p++, notify);
            statement.setString(p, sql.appended());
            statement.execute();
            if (inSavepoint) {
                statement.getMoreResults(); // past the savepoint's result
            }
            if (takeTurns) {
                statement.getMoreResults(); // past the advisory lock's result
            }
            Inserted inserted = inserted(append, statement);
            if (inserted == null) {
                throw conflict(connection, append);
            }
            return inserted;
        }
    }

    private void remember(Encoded append, Inserted inserted) {
        if (inserted.durable()) {
            versions.reached(
                    inserted.epoch(), append.streamId(), inserted.result().lastVersion());
        }
    }

    /** @return true when an append expecting {@code expected} may go after the remembered version */
    private static boolean fits(ExpectedVersion expected, StreamVersions.Remembered remembered) {
        return remembered.known()
                && switch (expected) {
                    case ExpectedVersion.Any any -> true;
                    case ExpectedVersion.NoStream none ->
                        false; // the stream exists: the read path reports the conflict
                    case ExpectedVersion.Exactly exactly -> exactly.version() == remembered.version();
                };
    }

    /**
     * One append after the remembered version, in auto-commit mode.
     *
     * @return what was inserted, or null when nothing was: the epoch changed, or the session's commits are no
     *         longer durable when acknowledged
     * @throws SQLException the driver's unique violation when the remembered version is behind the stream
     */
    private Inserted insertAfter(
            Connection connection, Encoded append, StreamVersions.Remembered remembered, boolean notify)
            throws SQLException {
        int events = append.names().length;
        try (PreparedStatement statement = connection.prepareStatement(statements.appendAfter(events))) {
            int p = 1;
            statement.setString(p++, append.streamId());
            statement.setLong(p++, remembered.version());
            statement.setString(p++, append.metadata());
            p = setEvents(connection, statement, p, append);
            statement.setString(p++, remembered.epoch().serverStart()); // ISO 8601: any DateStyle reads it
            statement.setString(p++, remembered.epoch().eventsFile());
            statement.setBoolean(p++, notify);
            statement.setString(p, sql.appended());
            if (statement.executeUpdate() == 0) {
                return null;
            }
            AppendResult result =
                    new AppendResult(append.streamId(), remembered.version() + 1, remembered.version() + events);
            return new Inserted(result, remembered.epoch(), true);
        }
    }

    /** Binds the events' types and payloads from parameter {@code p} on; returns the next parameter. */
    private static int setEvents(Connection connection, PreparedStatement statement, int p, Encoded append)
            throws SQLException {
        int events = append.names().length;
        if (events <= EventLogSql.MAX_LISTED_EVENTS) {
            for (int i = 0; i < events; i++) {
                statement.setString(p++, append.names()[i]);
                statement.setString(p++, append.payloads()[i]);
            }
            return p;
        }
        statement.setArray(p++, connection.createArrayOf("text", append.names()));
        statement.setArray(p++, connection.createArrayOf("text", append.payloads()));
        return p;
    }

    /**
     * @return what an append statement returned: the versions it inserted, whether the commit is durable and
     *         the epoch (the same in every row); null for no rows
     */
    private static Inserted inserted(Encoded append, PreparedStatement statement) throws SQLException {
        long first = Long.MAX_VALUE;
        long last = -1;
        StreamVersions.Epoch epoch = null;
        boolean durable = false;
        try (ResultSet rows = statement.getResultSet()) {
            while (rows.next()) {
                long version = rows.getLong(1);
                if (last < 0) {
                    durable = rows.getBoolean(3);
                    epoch = new StreamVersions.Epoch(
                            rows.getObject(4, OffsetDateTime.class).toInstant(), rows.getString(5));
                }
                first = Math.min(first, version);
                last = Math.max(last, version);
            }
        }
        return last < 0 ? null : new Inserted(new AppendResult(append.streamId(), first, last), epoch, durable);
    }

    /**
     * The versions an append took, the epoch its statement saw and whether its commit is durable once
     * acknowledged (see {@link StreamVersions}).
     */
    private record Inserted(AppendResult result, StreamVersions.Epoch epoch, boolean durable) {}

    /**
     * @return true when {@code e} says another appender took the stream's next version first (a unique
     *         violation of another key, such as one an application added, is not a lost race)
     */
    static boolean lostRace(SQLException e) {
        if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
            return false;
        }
        ServerErrorMessage message = e instanceof PSQLException p ? p.getServerErrorMessage() : null;
        return message == null || message.getConstraint() == null || STREAM_VERSION_KEY.equals(message.getConstraint());
    }

    /** @return true when a lost race of this append should be retried */
    private static boolean retries(Encoded append, int attempt) {
        return append.anyVersion() && attempt < ANY_VERSION_ATTEMPTS;
    }

    /** @return the conflict, with the stream's actual version (read now: the second query of a failed append) */
    private StreamVersionConflictException conflict(Connection connection, Encoded append) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql.actualVersion())) {
            statement.setString(1, append.streamId());
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return new StreamVersionConflictException(append.streamId(), append.expected(), rows.getLong(1));
            }
        }
    }
}
