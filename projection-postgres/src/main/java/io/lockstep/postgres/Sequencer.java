package io.lockstep.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import io.lockstep.projection.StatementMode;

/**
 * Assigns positions to committed events: one tick is one READ COMMITTED transaction that locks the
 * sequencer row (a second sequencer waits, then sequences what is left), takes the current snapshot,
 * gives the events that became visible since the previous snapshot the next dense positions in insertion
 * order, saves the snapshot, and notifies readers on commit. Working from snapshot differences, it never
 * waits for a long-running transaction elsewhere in the cluster. Thread-safe.
 */
final class Sequencer {

    /** What one tick did. */
    record Tick(long sequenced, long head) {
    }

    private final JdbcTransactions jdbc;
    private final EventLogSql sql;

    Sequencer(JdbcTransactions jdbc, EventLogSql sql) {
        this.jdbc = jdbc;
        this.sql = sql;
    }

    Tick tick() {
        return jdbc.inTransaction(StatementMode.IMMEDIATE, tx -> tickIn(tx.unbatched()));
    }

    private Tick tickIn(Connection connection) throws SQLException {
        String previousXmax;
        java.sql.Array previousInProgress;
        try (Statement lock = connection.createStatement(); ResultSet state = lock.executeQuery(sql.lockState())) {
            state.next();
            previousXmax = state.getString(2);
            previousInProgress = state.getArray(3);
        }
        Tick tick;
        try (PreparedStatement statement = connection.prepareStatement(sql.tick())) {
            statement.setString(1, previousXmax);
            statement.setArray(2, previousInProgress);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                tick = new Tick(rows.getLong(1), rows.getLong(2));
            }
        }
        if (tick.sequenced() > 0) {
            try (PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
                notify.setString(1, sql.sequenced());
                notify.setString(2, Long.toString(tick.head()));
                notify.execute();
            }
        }
        return tick;
    }
}
