package io.lockstep.postgres.eventlog;

import io.lockstep.postgres.internal.JdbcConnections;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Assigns positions to committed events: one tick is one auto-committed round trip that locks the
 * sequencer row (a second sequencer waits, then sequences what is left), takes the current snapshot, gives
 * the events that became visible since the previous snapshot the next dense positions in insertion order,
 * saves the snapshot, and notifies readers on commit when it gave positions (see {@link EventLogSql#tick()}).
 * Working from snapshot differences, it never waits for a long-running transaction elsewhere in the
 * cluster.
 *
 * <p>An idle log writes nothing: unless the previous tick gave positions, a tick first checks, without a
 * lock or a write and in a transaction it rolls back, whether any event became visible, and stops there
 * when none did, so its check neither commits nor writes WAL. Right after a tick that gave positions (a
 * stream of appends) it skips the check, which saves a round trip per tick under load; so the one tick
 * that follows the last appends of a burst still commits. Thread-safe.
 */
final class Sequencer {

    /** What one tick did. */
    record Tick(long sequenced, long head) {
        /** A tick that found no event: it neither locked nor wrote anything. */
        static final Tick IDLE = new Tick(0, -1);
    }

    private final JdbcConnections jdbc;
    private final EventLogSql sql;
    /** Whether the previous tick gave positions; then the next one goes straight to work. */
    private volatile boolean busy = true;

    Sequencer(JdbcConnections jdbc, EventLogSql sql) {
        this.jdbc = jdbc;
        this.sql = sql;
    }

    Tick tick() {
        return jdbc.withConnection("sequencing", connection -> {
            if (!busy && !anyFresh(connection)) {
                return Tick.IDLE;
            }
            Tick tick = sequence(connection);
            busy = tick.sequenced() > 0;
            return tick;
        });
    }

    private Tick sequence(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql.tick())) {
            statement.execute();
            statement.getMoreResults(); // past the lock's result
            try (ResultSet rows = statement.getResultSet()) {
                rows.next();
                return new Tick(rows.getLong(1), rows.getLong(2));
            }
        }
    }

    /** @return whether a tick would find events; reads only, in a transaction rolled back */
    private boolean anyFresh(Connection connection) throws SQLException {
        connection.setAutoCommit(false);
        try (PreparedStatement statement = connection.prepareStatement(sql.anyFresh())) {
            statement.execute();
            statement.getMoreResults(); // past the settings' result
            try (ResultSet rows = statement.getResultSet()) {
                rows.next();
                return rows.getBoolean(1);
            }
        } finally {
            connection.rollback();
            connection.setAutoCommit(true);
        }
    }
}
