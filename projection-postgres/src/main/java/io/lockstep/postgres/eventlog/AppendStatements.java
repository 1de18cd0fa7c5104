package io.lockstep.postgres.eventlog;

import java.util.function.IntFunction;

/**
 * The append statements of one schema ({@link EventLogSql#append}, {@link EventLogSql#appendInSavepoint},
 * {@link EventLogSql#appendAfter}) for each number of listed events, each built on first use and then handed
 * out as the same String: no string building per append, and the driver's statement cache finds it by a hash
 * the String keeps. Thread-safe: two threads racing on a first use build equal Strings, and a String is safe
 * to publish without a lock.
 */
final class AppendStatements {

    private final EventLogSql sql;
    private final String[] reading = new String[EventLogSql.MAX_LISTED_EVENTS + 1];
    private final String[] takingTurns = new String[EventLogSql.MAX_LISTED_EVENTS + 1];
    private final String[] after = new String[EventLogSql.MAX_LISTED_EVENTS + 1];
    private final String[] inSavepoint = new String[EventLogSql.MAX_LISTED_EVENTS + 1];
    private final String[] inSavepointTakingTurns = new String[EventLogSql.MAX_LISTED_EVENTS + 1];

    AppendStatements(EventLogSql sql) {
        this.sql = sql;
    }

    /** @return {@link EventLogSql#append} for {@code events} events */
    String append(int events, boolean takeTurns) {
        return takeTurns
                ? built(takingTurns, events, n -> sql.append(n, true))
                : built(reading, events, n -> sql.append(n, false));
    }

    /** @return {@link EventLogSql#appendInSavepoint} for {@code events} events */
    String appendInSavepoint(int events, boolean takeTurns) {
        return takeTurns
                ? built(inSavepointTakingTurns, events, n -> sql.appendInSavepoint(n, true))
                : built(inSavepoint, events, n -> sql.appendInSavepoint(n, false));
    }

    /** @return {@link EventLogSql#appendAfter} for {@code events} events */
    String appendAfter(int events) {
        return built(after, events, sql::appendAfter);
    }

    private static String built(String[] statements, int events, IntFunction<String> build) {
        if (events >= statements.length) {
            return build.apply(events); // passed as arrays: one statement per size would not pay off
        }
        String statement = statements[events];
        if (statement == null) {
            statement = build.apply(events);
            statements[events] = statement;
        }
        return statement;
    }
}
