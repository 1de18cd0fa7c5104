package io.lockstep.postgres.eventlog;

import io.lockstep.projection.LockstepException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Appends many events to many streams in one transaction: one statement reads every stream's version (and
 * notifies the sequencers on commit when asked to), the versions are checked against the expected ones, then
 * the events are streamed into {@code events} with COPY, stream by stream (in the order of their ids) and each
 * in version order. Sequencing is that of every other append: the rows' transaction id and insertion order
 * give them dense positions after commit. A stream moved on by another appender between the read and the COPY
 * makes the COPY fail on the unique (stream, version) key; the bulk is then rolled back and tried again from
 * the read, where an exact expectation now conflicts and {@link ExpectedVersion#any() any} takes the new
 * version, taking turns with the stream's other appenders from then on (the advisory locks of
 * {@link EventLogSql#append}; always in a caller's transaction, as there). Thread-safe.
 */
final class BulkAppender {

    /** Bulk appends that lose races on a stream's next version try again this often before giving up. */
    private static final int ATTEMPTS = 20;

    private static final String DEADLOCK = "40P01";
    /** COPY data is sent in pieces of about this many characters. */
    private static final int COPY_PIECE = 64 * 1024;

    private final Appender appender;
    private final String versions;
    private final String versionsNotifying;
    private final String takeTurns;
    private final String copy;

    BulkAppender(String schema, Appender appender, String channel) {
        this.appender = appender;
        String q = "\"" + schema + "\".";
        this.versions = "SELECT coalesce((SELECT max(e.stream_version) FROM " + q + "events e"
                + " WHERE e.stream_id = s.id), -1) FROM unnest(?::text[]) WITH ORDINALITY AS s(id, ord) ORDER BY s.ord";
        this.versionsNotifying = versions + "; SELECT pg_notify('" + channel + "', '')";
        // The advisory locks single appends expecting any version take turns with (EventLogSql.append), in one
        // order for every bulk, so that bulks wait for each other instead of deadlocking. A statement of its own:
        // under READ COMMITTED the versions' snapshot is then taken once the locks are held.
        this.takeTurns = "SELECT count(pg_advisory_xact_lock(hashtextextended(u.id, 0))) FROM (SELECT id FROM"
                + " unnest(?::text[]) AS t(id) ORDER BY id OFFSET 0) u; ";
        this.copy = "COPY " + q + "events (stream_id, stream_version, event_type, payload, metadata) FROM STDIN";
    }

    /**
     * Checks and encodes a bulk before any database work, so bad input changes nothing.
     *
     * @throws IllegalArgumentException for an empty bulk, a stream named twice or an unregistered event class
     * @throws NullPointerException     for a null bulk or part, naming its index
     */
    List<Appender.Encoded> encode(List<StreamAppend> appends) {
        Objects.requireNonNull(appends, "appends");
        if (appends.isEmpty()) {
            throw new IllegalArgumentException("bulk append has no streams; pass at least one StreamAppend");
        }
        Map<String, Integer> seen = new HashMap<>();
        List<Appender.Encoded> encoded = new ArrayList<>(appends.size());
        for (int i = 0; i < appends.size(); i++) {
            StreamAppend append = Objects.requireNonNull(appends.get(i), "appends[" + i + "]");
            Integer first = seen.putIfAbsent(append.streamId(), i);
            if (first != null) {
                throw new IllegalArgumentException("bulk append names stream '" + append.streamId() + "' twice"
                        + " (appends[" + first + "] and appends[" + i + "]); put all of a stream's events in one"
                        + " StreamAppend; nothing was appended");
            }
            encoded.add(appender.encode(append.streamId(), append.expected(), append.events(), append.metadata()));
        }
        return encoded;
    }

    /**
     * Appends in a transaction of its own on {@code connection} (in auto-commit mode, and left so): committed
     * when this returns, or rolled back.
     *
     * @param notify whether to notify the sequencers (false when the caller wakes a local one after commit)
     * @throws BulkAppendConflictException when streams are not at their expected versions; nothing is stored
     */
    List<AppendResult> appendCommitted(Connection connection, List<Appender.Encoded> appends, boolean notify)
            throws SQLException {
        connection.setAutoCommit(false);
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    // after a lost race, streams expecting any version take turns with their other appenders
                    List<AppendResult> results = appendOnce(connection, appends, notify, attempt > 1);
                    connection.commit();
                    forgetRemembered(appends);
                    return results;
                } catch (RuntimeException e) {
                    rollBack(connection, e);
                    throw e;
                } catch (SQLException e) {
                    rollBack(connection, e);
                    retryOrThrow(e, attempt);
                }
            }
        } finally {
            connection.setAutoCommit(true);
        }
    }

    /**
     * Appends inside the caller's transaction on {@code connection}, in a savepoint, so a conflict or a lost
     * race leaves that transaction as it was; notifies the sequencers on commit.
     *
     * @throws BulkAppendConflictException when streams are not at their expected versions; nothing is stored
     */
    List<AppendResult> appendInTransaction(Connection connection, List<Appender.Encoded> appends) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            Savepoint savepoint = connection.setSavepoint();
            try {
                // streams expecting any version take turns, as single appends in a caller's transaction do
                List<AppendResult> results = appendOnce(connection, appends, true, true);
                connection.releaseSavepoint(savepoint);
                return results; // the remembered versions are forgotten only by a bulk the log commits itself
            } catch (RuntimeException e) {
                rollBack(connection, savepoint, e);
                throw e;
            } catch (SQLException e) {
                rollBack(connection, savepoint, e);
                retryOrThrow(e, attempt);
            }
        }
    }

    /** Rethrows {@code failure} unless it is a lost race (or a deadlock with another appender) to be tried again. */
    private static void retryOrThrow(SQLException failure, int attempt) throws SQLException {
        if (!Appender.lostRace(failure) && !DEADLOCK.equals(failure.getSQLState())) {
            throw failure;
        }
        if (attempt == ATTEMPTS) {
            throw new LockstepException(
                    "bulk append lost the race for a stream's next version " + ATTEMPTS
                            + " times in a row to concurrent appenders; nothing was appended. Retry later",
                    failure);
        }
    }

    /** Rolls back the transaction; a failed rollback is added to {@code failure}. */
    private static void rollBack(Connection connection, Exception failure) {
        try {
            connection.rollback();
        } catch (SQLException rollbackFailure) {
            failure.addSuppressed(rollbackFailure);
        }
    }

    /** Rolls back to {@code savepoint} and drops it; a failed rollback is added to {@code failure}. */
    private static void rollBack(Connection connection, Savepoint savepoint, Exception failure) {
        try {
            connection.rollback(savepoint);
            connection.releaseSavepoint(savepoint);
        } catch (SQLException rollbackFailure) {
            failure.addSuppressed(rollbackFailure);
        }
    }

    private void forgetRemembered(List<Appender.Encoded> appends) {
        for (Appender.Encoded append : appends) {
            appender.forget(append.streamId());
        }
    }

    /** Reads and checks the versions, then copies the events in; the caller commits or rolls back. */
    private List<AppendResult> appendOnce(
            Connection connection, List<Appender.Encoded> appends, boolean notify, boolean takeTurns)
            throws SQLException {
        long[] actual = actualVersions(connection, appends, notify, takeTurns);
        List<StreamVersionConflictException> conflicts = new ArrayList<>();
        for (int i = 0; i < actual.length; i++) {
            Appender.Encoded append = appends.get(i);
            if (!matches(append.expected(), actual[i])) {
                conflicts.add(new StreamVersionConflictException(append.streamId(), append.expected(), actual[i]));
            }
        }
        if (!conflicts.isEmpty()) {
            throw new BulkAppendConflictException(appends.size(), conflicts);
        }
        copyIn(connection, appends, actual);
        List<AppendResult> results = new ArrayList<>(appends.size());
        for (int i = 0; i < actual.length; i++) {
            Appender.Encoded append = appends.get(i);
            results.add(new AppendResult(append.streamId(), actual[i] + 1, actual[i] + append.names().length));
        }
        return results;
    }

    private static boolean matches(ExpectedVersion expected, long actual) {
        return switch (expected) {
            case ExpectedVersion.Any any -> true;
            case ExpectedVersion.NoStream none -> actual < 0;
            case ExpectedVersion.Exactly exactly -> exactly.version() == actual;
        };
    }

    /**
     * @param takeTurns whether to take the advisory locks of the streams expecting any version first
     * @return each stream's version (-1 for none), in the bulk's order; one round trip
     */
    private long[] actualVersions(
            Connection connection, List<Appender.Encoded> appends, boolean notify, boolean takeTurns)
            throws SQLException {
        String[] ids = appends.stream().map(Appender.Encoded::streamId).toArray(String[]::new);
        String[] anyVersion = takeTurns
                ? appends.stream()
                        .filter(Appender.Encoded::anyVersion)
                        .map(Appender.Encoded::streamId)
                        .toArray(String[]::new)
                : new String[0];
        boolean locking = anyVersion.length > 0;
        long[] actual = new long[ids.length];
        String statementSql = (locking ? this.takeTurns : "") + (notify ? versionsNotifying : versions);
        try (PreparedStatement statement = connection.prepareStatement(statementSql)) {
            int p = 1;
            if (locking) {
                statement.setArray(p++, connection.createArrayOf("text", anyVersion));
            }
            statement.setArray(p, connection.createArrayOf("text", ids));
            statement.execute();
            if (locking) {
                statement.getMoreResults(); // past the locks' result
            }
            try (ResultSet rows = statement.getResultSet()) {
                for (int i = 0; rows.next(); i++) {
                    actual[i] = rows.getLong(1);
                }
            }
        }
        return actual;
    }

    /** Streams the events into {@code events} with COPY, after each stream's {@code actual} version. */
    private void copyIn(Connection connection, List<Appender.Encoded> appends, long[] actual) throws SQLException {
        // Streams in the order of their ids: concurrent bulks then take the streams' next keys in the same order,
        // so one waits for another instead of deadlocking with it.
        Integer[] order = new Integer[actual.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparing(i -> appends.get(i).streamId()));
        CopyIn copyIn = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(copy);
        try {
            StringBuilder piece = new StringBuilder(COPY_PIECE + 4096);
            for (int i : order) {
                Appender.Encoded append = appends.get(i);
                for (int e = 0; e < append.names().length; e++) {
                    copyText(piece, append.streamId())
                            .append('\t')
                            .append(actual[i] + 1 + e)
                            .append('\t');
                    copyText(piece, append.names()[e]).append('\t');
                    copyText(piece, append.payloads()[e]).append('\t');
                    copyText(piece, append.metadata()).append('\n');
                    if (piece.length() >= COPY_PIECE) {
                        send(copyIn, piece);
                    }
                }
            }
            send(copyIn, piece);
            copyIn.endCopy();
        } finally {
            if (copyIn.isActive()) {
                copyIn.cancelCopy();
            }
        }
    }

    private static void send(CopyIn copyIn, StringBuilder piece) throws SQLException {
        byte[] bytes = piece.toString().getBytes(StandardCharsets.UTF_8);
        copyIn.writeToCopy(bytes, 0, bytes.length);
        piece.setLength(0);
    }

    /** Appends {@code value} in COPY's text format: backslash, tab, newline and carriage return escaped. */
    private static StringBuilder copyText(StringBuilder out, String value) {
        // Most values need no escape: four intrinsic scans and one copy cost less than a loop over the chars.
        if (value.indexOf('\\') < 0 && value.indexOf('\t') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
            return out.append(value);
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
        return out;
    }
}
