package io.lockstep.postgres.bench;

import javax.sql.DataSource;

/**
 * One way of appending events to {@code lockstep.events}, measured by {@link AppendBenchmark}: Lockstep's
 * event log, or plain INSERTs without it. A trial opens a {@link Session} on a freshly emptied table, runs
 * its appenders, then closes it.
 */
interface AppendContender {

    /** @return the name printed in the results, e.g. {@code plain-insert} */
    String name();

    /** Starts a trial on {@code dataSource}: whatever a production process runs beside its appends starts here. */
    Session open(DataSource dataSource);

    /** One trial of a contender. */
    interface Session extends AutoCloseable {

        /**
         * @return the work of appender thread {@code thread}: each call appends {@code eventsPerAppend} events
         *         to one of the thread's streams in a transaction of its own; called by that thread only
         */
        Append appender(int thread, int eventsPerAppend);

        /** @return committed events still waiting for a position (0 when nothing sequences them) */
        long backlog();

        /** @return true when the contender gives events positions (so the test checks {@code event_log} too) */
        boolean sequences();

        /** Stops the background work; idempotent. */
        @Override
        void close();
    }

    /** One append, as a timed loop calls it. */
    @FunctionalInterface
    interface Append {
        void append() throws Exception;
    }
}
