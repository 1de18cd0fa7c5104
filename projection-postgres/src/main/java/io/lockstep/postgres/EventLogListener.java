package io.lockstep.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event log's background duty: holds one connection that LISTENs for appends and for sequenced events,
 * ticks the sequencer when an append is notified (and every tick interval, as a fallback), and wakes local
 * readers. A lost connection is re-established with backoff (up to 5 s); while it is down this process
 * does not tick (another process's sequencer may) and its readers fall back to polling.
 */
final class EventLogListener implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(EventLogListener.class);
    private static final Duration MAX_RECONNECT_BACKOFF = Duration.ofSeconds(5);
    /**
     * Shortest time between two ticks under a stream of appends: each tick then sequences every append of
     * that window at once, instead of one tick (a transaction) per append. Adds at most this much latency.
     */
    static final Duration MIN_TICK_SPACING = Duration.ofMillis(5);

    private final DataSource dataSource;
    private final EventLogSql sql;
    private final Sequencer sequencer;
    private final ReaderSignal readers;
    private final Duration tickInterval;
    private final boolean runSequencer;
    private volatile boolean running = true;
    private volatile boolean listening;
    private Connection connection;

    EventLogListener(DataSource dataSource, EventLogSql sql, Sequencer sequencer, ReaderSignal readers,
                     Duration tickInterval, boolean runSequencer) {
        this.dataSource = dataSource;
        this.sql = sql;
        this.sequencer = sequencer;
        this.readers = readers;
        this.tickInterval = tickInterval;
        this.runSequencer = runSequencer;
    }

    /** @return true while notifications are being received */
    boolean listening() {
        return listening;
    }

    void stop() {
        running = false;
    }

    @Override
    public void run() {
        Duration backoff = Duration.ofMillis(50);
        long lastTick = System.nanoTime() - MIN_TICK_SPACING.toNanos();
        while (running) {
            try {
                PGNotification[] notifications = receive();
                long sinceTick = System.nanoTime() - lastTick;
                if (notifications.length > 0 && sinceTick < MIN_TICK_SPACING.toNanos()
                        && !pause(Duration.ofNanos(MIN_TICK_SPACING.toNanos() - sinceTick))) {
                    break;
                }
                lastTick = System.nanoTime();
                boolean sequencedElsewhere = false;
                for (PGNotification notification : notifications) {
                    sequencedElsewhere |= notification.getName().equals(sql.sequenced());
                }
                if (runSequencer) {
                    Sequencer.Tick tick = sequencer.tick();
                    if (tick.sequenced() > 0) {
                        readers.advanced();
                    }
                }
                if (sequencedElsewhere) {
                    readers.advanced();
                }
                backoff = Duration.ofMillis(50);
            } catch (SQLException | RuntimeException e) {
                LOG.warn("event log listener: {}; retrying in {}", e.toString(), backoff);
                closeConnection();
                if (!pause(backoff)) {
                    break;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_RECONNECT_BACKOFF) > 0 ? MAX_RECONNECT_BACKOFF
                        : backoff.multipliedBy(2);
            }
        }
        closeConnection();
    }

    /** Waits up to one tick interval for notifications, (re)connecting first when needed. */
    private PGNotification[] receive() throws SQLException {
        if (connection == null) {
            connection = dataSource.getConnection();
            connection.setAutoCommit(true);
            try (Statement listen = connection.createStatement()) {
                listen.execute("LISTEN \"" + sql.appended() + "\"");
                listen.execute("LISTEN \"" + sql.sequenced() + "\"");
            }
            listening = true;
            // Positions may have been given while we were not listening: let waiting readers look, and tick
            // now rather than after a whole interval.
            readers.advanced();
            return new PGNotification[0];
        }
        PGNotification[] notifications = connection.unwrap(PGConnection.class)
                .getNotifications((int) Math.max(1, tickInterval.toMillis()));
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

    /** @return false when interrupted (the flag is restored) */
    private boolean pause(Duration duration) {
        try {
            Thread.sleep(duration);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
