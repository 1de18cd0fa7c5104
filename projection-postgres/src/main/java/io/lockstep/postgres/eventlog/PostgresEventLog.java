package io.lockstep.postgres.eventlog;

import io.lockstep.migrations.LockstepMigrations;
import io.lockstep.postgres.internal.JdbcConnections;
import io.lockstep.postgres.internal.SqlFailures;
import io.lockstep.projection.Envelope;
import io.lockstep.projection.EventSource;
import io.lockstep.projection.LockstepException;
import io.lockstep.projection.Partition;
import io.lockstep.projection.PartitionedEventSource;
import io.lockstep.projection.internal.Threads;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import javax.sql.DataSource;

/**
 * Lockstep's event log on PostgreSQL: appends with per-stream optimistic concurrency, and an
 * {@link EventSource} whose positions are dense and follow commit order, assigned after commit by a
 * sequencer. Reading "after the checkpoint" therefore never skips an event that committed late.
 *
 * <pre>{@code
 * PostgresEventLog log = PostgresEventLog.builder(dataSource, types).build();
 * log.start();                                   // the sequencer and the LISTEN connection
 * log.append("account-42", ExpectedVersion.noStream(), List.of(new AccountCreated(...)));
 * ProjectionRunner.builder(projection, store, log).build().start();
 * }</pre>
 *
 * <p><b>Remembered versions.</b> An append in a transaction of its own inserts after the version this
 * process's own earlier appends gave the stream, without reading it, when that commit was durable and the
 * server and the events table are still the same; another process moving the stream on is caught by the
 * unique (stream, version) key, and the append then reads the stream. This relies on stored events never
 * being removed, which migration V6 enforces (see the README, "Stored events are immutable").
 *
 * <p>Run {@link #start()} in every process that runs projections: whoever holds the sequencer's row lock
 * does the work, the others wait briefly. {@link #close()} stops the background duty. Thread-safe.
 *
 * <p><b>Wake-ups.</b> An append in a transaction of its own, in a process whose log is started with its
 * sequencer, wakes that sequencer in-process after the commit and sends no notification (PostgreSQL
 * serialises the commits of notifying transactions, so a NOTIFY per append would cap append throughput);
 * the sequencer's tick then notifies readers in every process, once per tick. Every other append notifies
 * the sequencers of all processes ({@code pg_notify}, delivered on commit): in a process that only appends
 * (log not started, or started with {@link Builder#runSequencer(boolean) runSequencer(false)}), and in the
 * caller's transaction ({@link #appendInTransaction(Connection, String, ExpectedVersion, List, Map)
 * appendInTransaction}), whose commit the log cannot observe. Without either, sequencers still tick every
 * {@link Builder#tickInterval(Duration)}.
 */
public final class PostgresEventLog implements PartitionedEventSource, AutoCloseable {

    /** Default of {@link Builder#tickInterval(Duration)}. */
    public static final Duration DEFAULT_TICK_INTERVAL = Duration.ofMillis(100);

    private final DataSource dataSource;
    private final JdbcConnections jdbc;
    private final EventTypes types;
    private final EventLogSql sql;
    private final String storeName;
    private final Appender appender;
    private final BulkAppender bulk;
    private final Sequencer sequencer;
    private final EventReads reads;
    private final WakeSignal readers = new WakeSignal();
    private final SequencerDuty duty;
    private final EventLogListener listener;
    private final boolean runSequencer;
    private final String schema;
    private Thread listenerThread;
    private Thread dutyThread;

    private PostgresEventLog(Builder builder) {
        this.dataSource = builder.dataSource;
        this.types = builder.types;
        this.sql = EventLogSql.forSchema(builder.schema);
        this.storeName = "PostgreSQL event log '" + builder.schema + "'";
        this.schema = builder.schema;
        this.appender = new Appender(sql, types);
        this.bulk = new BulkAppender(builder.schema, appender, sql.appended());
        this.jdbc = new JdbcConnections(dataSource, storeName);
        this.sequencer = new Sequencer(jdbc, sql);
        this.reads = new EventReads(jdbc, types, sql);
        this.runSequencer = builder.runSequencer;
        this.duty = new SequencerDuty(sequencer, readers, builder.tickInterval);
        this.listener = new EventLogListener(dataSource, sql, runSequencer ? duty::wake : () -> {}, readers);
    }

    /**
     * Starts configuring an event log.
     *
     * @param dataSource a pooled data source; the log keeps one of its connections for LISTEN while started
     * @param types      the event type registry
     */
    public static Builder builder(DataSource dataSource, EventTypes types) {
        return new Builder(dataSource, types);
    }

    /**
     * Checks the database, then starts the notification listener and (unless {@link Builder#runSequencer}
     * is off) the sequencer, each on a daemon thread of its own.
     *
     * @throws LockstepException     when stored transaction ids are ahead of the server's counter (see
     *                               {@link #checkTransactionIds()}); nothing is started
     * @throws IllegalStateException when already started
     */
    public synchronized void start() {
        if (listenerThread != null) {
            throw new IllegalStateException(storeName + " is already started");
        }
        checkTransactionIds();
        // Platform threads: both block in socket reads and timed waits all day, which on virtual threads cost
        // carrier hand-offs, poller and timer work (measured: about 35 us of CPU per append at 1 appender).
        listenerThread =
                Thread.ofPlatform().daemon().name("lockstep-event-log-listener").start(listener);
        if (runSequencer) {
            dutyThread = Thread.ofPlatform()
                    .daemon()
                    .name("lockstep-event-log-sequencer")
                    .start(duty);
        }
    }

    /** Stops the sequencer and the listener and waits for them; idempotent. */
    @Override
    public synchronized void close() {
        duty.stop();
        listener.stop();
        if (dutyThread != null) {
            Threads.joinUninterruptibly(dutyThread);
        }
        if (listenerThread != null) {
            Threads.joinUninterruptibly(listenerThread);
        }
    }

    /**
     * Refuses a database whose events were written by transaction ids the server has not reached: after a
     * dump and restore into a cluster with a younger transaction counter, the sequencer would take those
     * events for transactions still to come and never sequence them.
     *
     * @throws LockstepException naming both ids and the fix
     */
    void checkTransactionIds() {
        withConnection("checking transaction ids", connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql.restoreGuard());
                    ResultSet rows = statement.executeQuery()) {
                rows.next();
                if (rows.getBoolean(3)) {
                    throw new LockstepException(storeName + ": stored events carry transaction ids up to "
                            + rows.getString(1) + " but this server's transaction counter is at " + rows.getString(2)
                            + ". The database was probably restored into a younger cluster. Advance the counter past"
                            + " the stored ids (pg_resetwal -x on the stopped cluster) or restore with pg_upgrade /"
                            + " a physical copy, which keep it; the event log refuses to start until then");
                }
            }
            return null;
        });
    }

    /** Appends {@code events} to {@code streamId} in a transaction of its own, without metadata. */
    public AppendResult append(String streamId, ExpectedVersion expected, List<?> events) {
        return append(streamId, expected, events, Map.of());
    }

    /**
     * Appends {@code events} to {@code streamId} in a transaction of its own, with {@code metadata} on each,
     * and wakes the sequencer (in-process when this log is started, else by notification; see the class
     * documentation).
     *
     * @throws StreamVersionConflictException when the stream is not at {@code expected}; nothing is stored
     * @throws IllegalArgumentException       for an empty list or an unregistered event class; nothing is stored
     */
    public AppendResult append(
            String streamId, ExpectedVersion expected, List<?> events, Map<String, String> metadata) {
        Appender.Encoded append = appender.encode(streamId, expected, events, metadata);
        // The local sequencer is woken in-process: a NOTIFY per append would serialise the appenders' commits.
        boolean wakeLocally = duty.awake();
        AppendResult result = withConnection(
                "appending to '" + streamId + "'",
                connection -> appender.appendCommitted(connection, append, !wakeLocally));
        if (wakeLocally) {
            duty.wake();
        }
        return result;
    }

    /**
     * Appends {@code events} to {@code streamId} inside the caller's transaction on {@code connection}, so a
     * command can write other tables atomically with its events; does not commit, and stores nothing unless
     * the caller commits. One round trip: the append runs in a savepoint of its own, sent with it. The caller's
     * transaction stays usable after a conflict: a stream at another version gets nothing inserted, and a lost
     * race (another transaction took the version first) is rolled back to that savepoint. Appends expecting
     * {@link ExpectedVersion#any() any} version take turns per stream until the caller's transaction ends.
     * Notifies the sequencers when the caller commits.
     *
     * @param connection a connection in a transaction ({@code autoCommit} off); for a transaction of the
     *                   log's own, use {@link #append(String, ExpectedVersion, List, Map)}
     * @throws StreamVersionConflictException when the stream is not at {@code expected}; nothing is appended
     *                                        and the transaction goes on (a conflict costs a second round trip,
     *                                        a third after a lost race)
     * @throws IllegalArgumentException       for a connection in auto-commit mode, an empty list or an
     *                                        unregistered event class; nothing is sent
     */
    public AppendResult appendInTransaction(
            Connection connection,
            String streamId,
            ExpectedVersion expected,
            List<?> events,
            Map<String, String> metadata) {
        Objects.requireNonNull(connection, "connection");
        Appender.Encoded append = appender.encode(streamId, expected, events, metadata);
        try {
            requireTransaction(connection, "appendInTransaction to '" + streamId + "'");
            return appender.appendInTransaction(connection, append);
        } catch (SQLException e) {
            throw SqlFailures.translate(storeName, "appending to '" + streamId + "'", e);
        }
    }

    /**
     * Appends the events of many streams in one transaction of its own, for imports, migrating a history and
     * tests: all of them or, on any conflict, none. Each stream's expected version is checked; the events go
     * in with COPY, so a bulk costs a few round trips whatever its size. Positions are given as for any other
     * append: dense, in commit order, each stream's events in version order. Wakes the sequencer like
     * {@link #append(String, ExpectedVersion, List, Map)}. Holds the bulk in memory, encoded: split very large
     * imports into bulks of some thousands of streams.
     *
     * @param appends one part per stream, each stream at most once
     * @return what each part stored, in the order of {@code appends}
     * @throws BulkAppendConflictException when streams are not at their expected versions; it names each with
     *                                     its expected and actual version, and nothing of the bulk is stored
     * @throws IllegalArgumentException    for an empty bulk, a stream named twice or an unregistered event
     *                                     class; nothing is sent
     */
    public List<AppendResult> appendAll(List<StreamAppend> appends) {
        List<Appender.Encoded> encoded = bulk.encode(appends);
        boolean wakeLocally = duty.awake();
        List<AppendResult> results = withConnection(
                "appending " + encoded.size() + " streams in bulk",
                connection -> bulk.appendCommitted(connection, encoded, !wakeLocally));
        if (wakeLocally) {
            duty.wake();
        }
        return results;
    }

    /**
     * {@link #appendAll} inside the caller's transaction on {@code connection} (auto-commit off), in a savepoint
     * of its own: a conflict leaves that transaction as it was. Streams expecting any version take turns with
     * their other appenders until the caller's transaction ends, as in {@link #appendInTransaction}. Does not
     * commit; notifies the sequencers when the caller commits.
     *
     * @throws BulkAppendConflictException when streams are not at their expected versions; nothing is appended
     * @throws IllegalArgumentException    as {@link #appendAll}, or for a connection in auto-commit mode
     */
    public List<AppendResult> appendAllInTransaction(Connection connection, List<StreamAppend> appends) {
        Objects.requireNonNull(connection, "connection");
        List<Appender.Encoded> encoded = bulk.encode(appends);
        try {
            requireTransaction(connection, "appendAllInTransaction");
            return bulk.appendInTransaction(connection, encoded);
        } catch (SQLException e) {
            throw SqlFailures.translate(storeName, "appending " + encoded.size() + " streams in bulk", e);
        }
    }

    private static void requireTransaction(Connection connection, String method) throws SQLException {
        if (connection.getAutoCommit()) {
            throw new IllegalArgumentException(method + " needs a connection in a transaction, but it is in"
                    + " auto-commit mode: call setAutoCommit(false) first, or use the variant without a connection"
                    + " for a transaction of the log's own; nothing was appended");
        }
    }

    /**
     * Reads one stream in version order, for the write side: rebuilding an aggregate. It reads appended events
     * whether or not the sequencer has given them a position yet, since deciding a command needs every committed
     * version; an event without a position yet carries position 0, which no sequenced event of this log has
     * (this log's positions start at 1). Use the positions only of events read through {@link #read}.
     *
     * @param fromVersion the first version to read (0 for all)
     * @param maxEvents   at most this many events, 1..100000
     */
    public List<Envelope> readStream(String streamId, long fromVersion, int maxEvents) {
        return reads.readStream(streamId, fromVersion, maxEvents);
    }

    @Override
    public List<Envelope> read(long afterPosition, int maxEvents) {
        return reads.read(afterPosition, maxEvents);
    }

    /**
     * A source of one partition's events: those of streams in its buckets, read through the
     * {@code (bucket, position)} index of {@code event_log}, so a partition reads only its own events; see
     * {@link PartitionReader}. {@link Partition#WHOLE} returns this log.
     */
    @Override
    public EventSource partition(Partition partition) {
        Objects.requireNonNull(partition, "partition");
        return partition.count() == 1 ? this : new PartitionReader(this, reads, partition, schema);
    }

    @Override
    public long headPosition() {
        return reads.headPosition();
    }

    @Override
    public boolean awaitEvents(long afterPosition, Duration timeout) throws InterruptedException {
        return readers.awaitUntil(
                        () -> reads.headPosition() > afterPosition ? Optional.of(true) : Optional.empty(),
                        listener::listening,
                        timeout,
                        Duration.ofMillis(10),
                        Duration.ofMillis(500))
                .isPresent();
    }

    /**
     * Waits until the sequencer has given the last event of {@code appended} its global position, so a caller
     * can hand that position to a client for read-your-writes (a projection has applied the append once its
     * checkpoint reaches it). Wakes on the sequencer's notifications; polls with backoff while this process
     * does not listen (the log is not started here, or its LISTEN connection is down).
     *
     * @param appended what {@link #append} returned (after its transaction committed)
     * @param timeout  how long to wait, at most; a started log sequences within milliseconds
     * @return the position, or empty when none was assigned within {@code timeout} (the append's transaction
     *         has not committed, or no sequencer runs: start the log in some process)
     */
    public OptionalLong awaitPosition(AppendResult appended, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(appended, "appended");
        Objects.requireNonNull(timeout, "timeout");
        return readers.awaitUntil(
                        () -> reads.positionOf(appended.streamId(), appended.lastVersion()),
                        listener::listening,
                        timeout,
                        Duration.ofMillis(5),
                        Duration.ofMillis(200))
                .map(OptionalLong::of)
                .orElse(OptionalLong.empty());
    }

    /**
     * Gives positions to everything appended and committed so far, now, on the calling thread: one sequencer
     * tick. A started log does this by itself; this is for logs whose sequencer runs elsewhere
     * ({@link Builder#runSequencer(boolean) runSequencer(false)}) and for test kits and tools that must see an
     * append as a position at once (the {@code ProjectionTestKit}'s {@code whenProjected()}). Safe beside
     * running sequencers: ticks take turns.
     *
     * @return how many events it gave positions to
     */
    public long sequence() {
        long sequenced = sequencer.tick().sequenced();
        if (sequenced > 0) {
            readers.wake();
        }
        return sequenced;
    }

    /** @return when the sequencer last ticked and how many committed events still wait for a position */
    public SequencerStatus sequencerStatus() {
        return reads.sequencerStatus(listener.listening());
    }

    /**
     * The sequencer as seen by monitoring.
     *
     * @param lastTick  when a sequencer (in any process) last committed a tick: one that gave positions or
     *                  followed one that did (a tick that finds no event commits nothing, so on an idle log
     *                  this stays put)
     * @param backlog   committed events without a position yet
     * @param listening whether this process receives notifications (false: it polls)
     */
    public record SequencerStatus(Instant lastTick, long backlog, boolean listening) {}

    private <R> R withConnection(String operation, JdbcConnections.ConnectionWork<R> work) {
        return jdbc.withConnection(operation, work);
    }

    /** Configures a {@link PostgresEventLog}. */
    public static final class Builder {
        private final DataSource dataSource;
        private final EventTypes types;
        private String schema = LockstepMigrations.DEFAULT_SCHEMA;
        private Duration tickInterval = DEFAULT_TICK_INTERVAL;
        private boolean runSequencer = true;

        private Builder(DataSource dataSource, EventTypes types) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            this.types = Objects.requireNonNull(types, "types");
        }

        /** @param schema the schema Lockstep's tables were migrated into (default {@code lockstep}) */
        public Builder schema(String schema) {
            this.schema = LockstepMigrations.requireSchema(schema);
            return this;
        }

        /**
         * @param tickInterval how often the sequencer looks for events when no append wakes it, 10 ms..10 s
         *                     (default 100 ms); it also bounds how long a lost notification delays an event.
         *                     A look that finds none commits nothing
         */
        public Builder tickInterval(Duration tickInterval) {
            Objects.requireNonNull(tickInterval, "tickInterval");
            if (tickInterval.compareTo(Duration.ofMillis(10)) < 0
                    || tickInterval.compareTo(Duration.ofSeconds(10)) > 0) {
                throw new IllegalArgumentException("tickInterval " + tickInterval + " makes no sense; use 10ms..10s"
                        + " (default " + DEFAULT_TICK_INTERVAL + ")");
            }
            this.tickInterval = tickInterval;
            return this;
        }

        /**
         * @param runSequencer whether {@link #start()} runs the sequencer in this process (default true); a
         *                     process that only appends may turn it off
         */
        public Builder runSequencer(boolean runSequencer) {
            this.runSequencer = runSequencer;
            return this;
        }

        /** @return the log; call {@link PostgresEventLog#start()} before relying on sequencing */
        public PostgresEventLog build() {
            return new PostgresEventLog(this);
        }
    }
}
