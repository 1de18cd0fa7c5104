package io.lockstep.postgres.eventlog;

import io.lockstep.postgres.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;

/**
 * The fixture of the tests that append in a caller's transaction: one event type, {@link Noted}, and a
 * {@code side_effects} table the caller's own statements write beside the appends.
 */
final class NotedLog {

    /** The one event type. */
    record Noted(String note) {}

    static final EventTypes TYPES =
            EventTypes.builder().register("Noted", Noted.class).build();

    private NotedLog() {}

    /** @return a log on {@code db} with no events and no side effects yet */
    static PostgresEventLog emptied(TestDatabase db) {
        db.execute("CREATE TABLE IF NOT EXISTS side_effects (note text PRIMARY KEY)");
        db.emptyEventLog("side_effects");
        return PostgresEventLog.builder(db.dataSource(), TYPES).build();
    }

    /** @return one {@link Noted} event per text */
    static List<Noted> notes(String... notes) {
        return Arrays.stream(notes).map(Noted::new).toList();
    }

    /** Writes a side effect in {@code connection}'s transaction. */
    static void sideEffect(Connection connection, String note) throws SQLException {
        try (var statement = connection.prepareStatement("INSERT INTO side_effects (note) VALUES (?)")) {
            statement.setString(1, note);
            statement.executeUpdate();
        }
    }
}
