package io.lockstep.postgres.eventlog;

import io.lockstep.postgres.internal.JdbcConnections;
import io.lockstep.projection.Envelope;
import io.lockstep.projection.internal.Arguments;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The event log's read side: the statements that read events, the head, an append's position and the
 * sequencer's backlog, each on a pooled connection of its own, and the decoding of rows into envelopes.
 * Thread-safe.
 */
final class EventReads {

    private final JdbcConnections jdbc;
    private final EventTypes types;
    private final EventLogSql sql;

    EventReads(JdbcConnections jdbc, EventTypes types, EventLogSql sql) {
        this.jdbc = jdbc;
        this.types = types;
        this.sql = sql;
    }

    /** See {@link PostgresEventLog#readStream}. */
    List<Envelope> readStream(String streamId, long fromVersion, int maxEvents) {
        Arguments.requireName(streamId, "streamId");
        if (fromVersion < 0) {
            throw new IllegalArgumentException("fromVersion " + fromVersion + " is invalid: versions start at 0");
        }
        Arguments.requireRange("maxEvents", maxEvents, 1, 100_000, 1000);
        return jdbc.withConnection("reading stream '" + streamId + "'", connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql.readStream())) {
                statement.setString(1, streamId);
                statement.setLong(2, fromVersion);
                statement.setInt(3, maxEvents);
                return envelopes(statement, true);
            }
        });
    }

    /** See {@link PostgresEventLog#read}. */
    List<Envelope> read(long afterPosition, int maxEvents) {
        Arguments.requirePosition(afterPosition, "afterPosition");
        return jdbc.withConnection("reading after position " + afterPosition, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql.read())) {
                statement.setLong(1, afterPosition);
                statement.setInt(2, maxEvents);
                return envelopes(statement, false);
            }
        });
    }

    /** Reads the events of {@code statementSql} (a partition's window), for {@link PartitionReader}. */
    List<Envelope> readWith(String operation, String statementSql, StatementBinder binder) {
        return jdbc.withConnection(operation, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(statementSql)) {
                binder.bind(connection, statement);
                return envelopes(statement, false);
            }
        });
    }

    /** Binds a statement's parameters. */
    @FunctionalInterface
    interface StatementBinder {
        void bind(Connection connection, PreparedStatement statement) throws SQLException;
    }

    /** @return the highest position given so far, 0 when none */
    long headPosition() {
        return jdbc.withConnection("reading the head position", connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql.head());
                    ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        });
    }

    /** @return the position of {@code streamId}'s event {@code version}, empty while it has none */
    Optional<Long> positionOf(String streamId, long version) {
        return jdbc.withConnection("reading the position of '" + streamId + "' version " + version, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql.positionOf())) {
                statement.setString(1, streamId);
                statement.setLong(2, version);
                try (ResultSet rows = statement.executeQuery()) {
                    return rows.next() ? Optional.of(rows.getLong(1)) : Optional.empty();
                }
            }
        });
    }

    /** @param listening whether this process receives the sequencer's notifications */
    PostgresEventLog.SequencerStatus sequencerStatus(boolean listening) {
        return jdbc.withConnection("reading the sequencer status", connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql.backlog());
                    ResultSet rows = statement.executeQuery()) {
                rows.next();
                return new PostgresEventLog.SequencerStatus(
                        rows.getTimestamp(2).toInstant(), rows.getLong(1), listening);
            }
        });
    }

    private List<Envelope> envelopes(PreparedStatement statement, boolean allowUnsequenced) throws SQLException {
        List<Envelope> events = new ArrayList<>();
        try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                long position = rows.getLong(1);
                if (rows.wasNull()) {
                    if (!allowUnsequenced) {
                        continue;
                    }
                    position = 0; // not sequenced yet: a stream read does not need the global position
                }
                String type = rows.getString(4);
                events.add(new Envelope(
                        position,
                        rows.getString(2),
                        rows.getLong(3),
                        type,
                        rows.getTimestamp(7).toInstant(),
                        types.decodeMetadata(rows.getString(6)),
                        types.decode(type, rows.getString(5))));
            }
        }
        return events;
    }
}
