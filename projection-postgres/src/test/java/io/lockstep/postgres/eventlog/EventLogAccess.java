package io.lockstep.postgres.eventlog;

/** What tests outside this package may do to a log beyond its API: run its internal start-up check. */
public final class EventLogAccess {

    private EventLogAccess() {}

    /** Runs the start-up check of transaction ids; see {@link PostgresEventLog#checkTransactionIds()}. */
    public static void checkTransactionIds(PostgresEventLog log) {
        log.checkTransactionIds();
    }
}
