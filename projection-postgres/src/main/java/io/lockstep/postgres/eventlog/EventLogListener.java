package io.lockstep.postgres.eventlog;

import io.lockstep.projection.internal.Backoff;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event log's notification listener: holds one connection that LISTENs for appends notified by other
 * processes (and by appends in callers' transactions), which wake the local sequencer, and for events
 * sequenced elsewhere, which wake local readers. A lost connection is re-established with backoff (up to
 * 5 s); while it is down, local readers fall back to polling and the local sequencer to its tick interval.
 * Runs on one thread; {@link #listening()} and {@link #stop()} are thread-safe.
 */
final class EventLogListener implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(EventLogListener.class);
    private static final Duration MAX_RECONNECT_BACKOFF = Duration.ofSeconds(5);
    /** How long one wait for notifications lasts; bounds how long {@link #stop()} takes to be noticed. */
    private static final Duration RECEIVE_TIMEOUT = Duration.ofMillis(100);

    private final DataSource dataSource;
    private final EventLogSql sql;
    private final Runnable appendNotified;
    private final WakeSignal readers;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean listening;
    private Connection connection;

    /**
     * @param appendNotified what to do when an append elsewhere was notified: wake the local sequencer, or
     *                       nothing when this process does not run one
     * @param readers        woken when another process's sequencer gave positions
     */
    EventLogListener(DataSource dataSource, EventLogSql sql, Runnable appendNotified, WakeSignal readers) {
        this.dataSource = dataSource;
        this.sql = sql;
        this.appendNotified = appendNotified;
        this.readers = readers;
    }

    /** @return true while notifications are being received */
    boolean listening() {
        return listening;
    }

    /** Stops the loop within {@link #RECEIVE_TIMEOUT}; idempotent. */
    void stop() {
        stopped.countDown();
    }

    @Override
    public void run() {
        Duration backoff = Duration.ofMillis(50);
        try {
            while (stopped.getCount() > 0) {
                try {
                    boolean appendedElsewhere = false;
                    boolean sequencedElsewhere = false;
                    for (PGNotification notification : receive()) {
                        appendedElsewhere |= notification.getName().equals(sql.appended());
                        sequencedElsewhere |= notification.getName().equals(sql.sequenced());
                    }
                    if (appendedElsewhere) {
                        appendNotified.run();
                    }
                    if (sequencedElsewhere) {
                        readers.wake();
                    }
                    backoff = Duration.ofMillis(50);
                } catch (SQLException | RuntimeException e) {
                    LOG.warn("event log listener: {}; retrying in {}", e.toString(), backoff);
                    closeConnection();
                    stopped.await(backoff.toNanos(), TimeUnit.NANOSECONDS);
                    backoff = Backoff.doubled(backoff, MAX_RECONNECT_BACKOFF);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeConnection();
        }
    }

    /** Waits up to {@link #RECEIVE_TIMEOUT} for notifications, (re)connecting first when needed. */
    private PGNotification[] receive() throws SQLException {
        if (connection == null) {
            connection = dataSource.getConnection();
            connection.setAutoCommit(true);
            try (Statement listen = connection.createStatement()) {
                listen.execute("LISTEN \"" + sql.appended() + "\"");
                listen.execute("LISTEN \"" + sql.sequenced() + "\"");
            }
            listening = true;
            // Positions may have been given, and appends notified, while we were not listening: let waiting
            // readers look, and tick now rather than after a whole interval.
            readers.wake();
            appendNotified.run();
            return new PGNotification[0];
        }
        PGNotification[] notifications =
                connection.unwrap(PGConnection.class).getNotifications((int) RECEIVE_TIMEOUT.toMillis());
        return notifications == null ? new PGNotification[0] : notifications;
    }

    private void closeConnection() {
        listening = false;
        if (connection != null) {
            try (Statement unlisten = connection.createStatement()) {
                // Through the pool's proxy: a clean connection goes back without LISTENs, a dead one is evicted.
                unlisten.execute("UNLISTEN *");
            } catch (SQLException ignored) {
                // Broken: the pool saw the failure and discards it on close.
            }
            try {
                connection.close();
            } catch (SQLException ignored) {
                // The connection is already broken; the pool discards it.
            }
            connection = null;
        }
    }
}
