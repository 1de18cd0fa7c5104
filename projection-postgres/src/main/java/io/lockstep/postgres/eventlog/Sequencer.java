package io.lockstep.postgres.eventlog;

import io.lockstep.postgres.internal.JdbcConnections;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

/**
 * Assigns positions to committed events: one tick is one auto-committed round trip that locks the
 * sequencer row (a second sequencer waits, then sequences what is left), takes the current snapshot, gives
 * the events that became visible since the previous snapshot the next dense positions in insertion order,
 * saves the snapshot, and notifies readers on commit when it gave positions (see {@link EventLogSql#tick()}).
 * Working from snapshot differences, it never waits for a long-running transaction elsewhere in the
 * cluster. Thread-safe.
 */
final class Sequencer {

    /** What one tick did. */
    record Tick(long sequenced, long head) {
    }

    private final JdbcConnections jdbc;
    private final EventLogSql sql;

    Sequencer(JdbcConnections jdbc, EventLogSql sql) {
        this.jdbc = jdbc;
        this.sql = sql;
    }

    Tick tick() {
        return jdbc.withConnection("sequencing", connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql.tick())) {
                statement.execute();
                statement.getMoreResults(); // past the lock's result
                try (ResultSet rows = statement.getResultSet()) {
                    rows.next();
                    return new Tick(rows.getLong(1), rows.getLong(2));
                }
            }
        });
    }
}
