package io.lockstep.postgres;

import io.lockstep.migrations.LockstepMigrations;
import io.lockstep.postgres.internal.SqlFailures;
import io.lockstep.projection.CheckpointConflictException;
import io.lockstep.projection.CheckpointKey;
import io.lockstep.projection.DeadLetter;
import io.lockstep.projection.Envelope;
import io.lockstep.projection.PendingStatements;
import io.lockstep.projection.ProjectionStore;
import io.lockstep.projection.StatementMode;
import io.lockstep.projection.StoredCheckpoint;
import io.lockstep.projection.TransactionWork;
import io.lockstep.projection.internal.Arguments;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Lockstep's {@link ProjectionStore} on PostgreSQL: batch transactions on a {@link DataSource}, with a
 * jOOQ {@code DSLContext} for handlers, the checkpoint advanced in the same transaction, and dead letters.
 * Thread-safe; share one per data source.
 *
 * <pre>{@code
 * LockstepMigrations.migrate(dataSource);                       // once, at start-up
 * PostgresProjectionStore store = PostgresProjectionStore.builder(dataSource).build();
 * ProjectionRunner runner = ProjectionRunner.builder(projection, store, eventSource).build();
 * }</pre>
 *
 * <p>Concurrency: {@link #advanceCheckpoint} runs first in each batch and locks the checkpoint row until
 * commit. A second runner of the same projection blocks on that lock, then finds the checkpoint moved
 * and rolls back with a {@link CheckpointConflictException}, before any of its handlers ran. The
 * transaction isolation is the data source's (PostgreSQL's default, READ COMMITTED, is what this relies on).
 *
 * <p>Failures are sorted by whose fault they are (the SQLState table is in the README and on
 * {@code SqlFailures}): connection loss, shutdown, disk full, out of memory, permission denied, read-only
 * server, lock and statement timeouts, serialization failures, deadlocks and statements that do not fit the
 * schema are the environment's and surface as {@link io.lockstep.projection.TransientStoreException}, which
 * the runner retries without blaming an event. Every transaction runs with {@code SET LOCAL lock_timeout}
 * and {@code statement_timeout} ({@link Builder#lockTimeout}, {@link Builder#statementTimeout}), so a batch
 * stuck behind a lock fails, shows as STALLED and is retried, instead of hanging silently.
 */
public final class PostgresProjectionStore implements ProjectionStore<PostgresTransaction> {

    /** Default of {@link Builder#lockTimeout(Duration)}. */
    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(10);
    /** Default of {@link Builder#statementTimeout(Duration)}. */
    public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofMinutes(2);

    private static final Duration LONGEST_TIMEOUT = Duration.ofHours(24);
    private static final int PROBE_SECONDS = 5;

    private final String schema;
    private final JdbcTransactions jdbc;
    private final CheckpointSql sql;

    private PostgresProjectionStore(Builder builder) {
        this.schema = builder.schema;
        this.jdbc = new JdbcTransactions(
                builder.dataSource,
                "PostgreSQL store '" + schema + "'",
                timeouts(builder.lockTimeout, builder.statementTimeout));
        this.sql = CheckpointSql.forSchema(schema);
    }

    /**
     * Starts configuring a store on {@code dataSource}. Use a pooled data source (HikariCP): every batch and
     * every checkpoint call borrows a connection.
     */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /** @return the schema holding the checkpoint and dead-letter tables */
    public String schema() {
        return schema;
    }

    @Override
    public String toString() {
        return "PostgreSQL store '" + schema + "'";
    }

    @Override
    public <R> R inTransaction(StatementMode mode, TransactionWork<PostgresTransaction, R> work) {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(work, "work");
        return jdbc.inTransaction(mode, work);
    }

    @Override
    public void advanceCheckpoint(PostgresTransaction tx, CheckpointKey key, long expected, long next) {
        ProjectionStore.requireForward(key, expected, next);
        try {
            Connection connection = tx.unbatched();
            int updated;
            if (expected == -1) {
                try (PreparedStatement statement = connection.prepareStatement(sql.claimFirst())) {
                    statement.setString(1, key.tenantId());
                    statement.setString(2, key.projection());
                    statement.setLong(3, next);
                    updated = statement.executeUpdate();
                }
            } else {
                try (PreparedStatement statement = connection.prepareStatement(sql.claim())) {
                    statement.setLong(1, next);
                    statement.setString(2, key.tenantId());
                    statement.setString(3, key.projection());
                    statement.setLong(4, expected);
                    updated = statement.executeUpdate();
                }
            }
            if (updated != 1) {
                StoredCheckpoint now = readState(connection, key);
                throw now.paused() && now.position() == expected
                        ? CheckpointConflictException.paused(key, expected)
                        : CheckpointConflictException.concurrentAdvance(key, expected, now.position());
            }
        } catch (SQLException e) {
            throw SqlFailures.translate("PostgreSQL store '" + schema + "'", "advancing checkpoint " + key, e);
        }
    }

    /** Runs an empty statement on a pooled connection; throws a TransientStoreException when it fails. */
    @Override
    public void probe() {
        jdbc.withConnection("probing the database", connection -> {
            if (!connection.isValid(PROBE_SECONDS)) {
                throw new SQLException("the connection failed a probe statement", "08006");
            }
            return null;
        });
    }

    @Override
    public StoredCheckpoint readCheckpoint(CheckpointKey key) {
        return jdbc.withConnection("reading checkpoint " + key, connection -> readState(connection, key));
    }

    private StoredCheckpoint readState(Connection connection, CheckpointKey key) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql.readState())) {
            statement.setString(1, key.tenantId());
            statement.setString(2, key.projection());
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next()
                        ? new StoredCheckpoint(rows.getLong(1), rows.getBoolean(2), rows.getInt(3))
                        : StoredCheckpoint.NONE;
            }
        }
    }

    @Override
    public void resetCheckpoint(PostgresTransaction tx, CheckpointKey key, long position) {
        Arguments.requirePosition(position, "position");
        try (PreparedStatement statement = tx.unbatched().prepareStatement(sql.resetInTransaction())) {
            statement.setString(1, key.tenantId());
            statement.setString(2, key.projection());
            statement.setLong(3, position);
            statement.executeUpdate();
        } catch (SQLException e) {
            throw SqlFailures.translate("PostgreSQL store '" + schema + "'", "resetting " + key, e);
        }
    }

    @Override
    public void adoptVersion(PostgresTransaction tx, CheckpointKey key, int version) {
        try (PreparedStatement statement = tx.unbatched().prepareStatement(sql.adoptVersion())) {
            statement.setString(1, key.tenantId());
            statement.setString(2, key.projection());
            statement.setInt(3, version);
            statement.executeUpdate();
        } catch (SQLException e) {
            throw SqlFailures.translate("PostgreSQL store '" + schema + "'", "recording the version of " + key, e);
        }
    }

    @Override
    public long retire(PostgresTransaction tx, CheckpointKey key) {
        try (PreparedStatement statement = tx.unbatched().prepareStatement(sql.retire())) {
            statement.setString(1, key.tenantId());
            statement.setString(2, key.projection());
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getLong(1) : Arguments.NO_POSITION;
            }
        } catch (SQLException e) {
            throw SqlFailures.translate("PostgreSQL store '" + schema + "'", "retiring " + key, e);
        }
    }

    @Override
    public boolean switchVersion(
            PostgresTransaction tx, CheckpointKey key, int fromVersion, long position, int toVersion) {
        Arguments.requirePosition(position, "position");
        try (PreparedStatement statement = tx.unbatched().prepareStatement(sql.switchVersion())) {
            statement.setLong(1, position);
            statement.setInt(2, toVersion);
            statement.setString(3, key.tenantId());
            statement.setString(4, key.projection());
            statement.setInt(5, fromVersion);
            return statement.executeUpdate() == 1;
        } catch (SQLException e) {
            throw SqlFailures.translate("PostgreSQL store '" + schema + "'", "switching the version of " + key, e);
        }
    }

    @Override
    public void setPaused(CheckpointKey key, boolean paused) {
        jdbc.withConnection((paused ? "pausing " : "resuming ") + key, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql.pause())) {
                statement.setString(1, key.tenantId());
                statement.setString(2, key.projection());
                statement.setBoolean(3, paused);
                statement.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public PendingStatements pendingStatements(PostgresTransaction tx) {
        return tx.pending();
    }

    @Override
    public void recordDeadLetter(PostgresTransaction tx, DeadLetter letter) {
        Envelope event = letter.envelope();
        try (PreparedStatement statement = tx.unbatched().prepareStatement(sql.deadLetter())) {
            statement.setString(1, letter.key().tenantId());
            statement.setString(2, letter.key().projection());
            statement.setLong(3, event.position());
            statement.setString(4, event.streamId());
            statement.setLong(5, event.streamVersion());
            statement.setString(6, event.eventType());
            statement.setTimestamp(7, Timestamp.from(event.recordedAt()));
            // PostgreSQL builds the JSON object: keys and values are bound as two text arrays.
            String[] keys = new String[event.metadata().size()];
            String[] values = new String[keys.length];
            int i = 0;
            for (var entry : event.metadata().entrySet()) {
                keys[i] = entry.getKey();
                values[i++] = entry.getValue();
            }
            statement.setArray(8, tx.unbatched().createArrayOf("text", keys));
            statement.setArray(9, tx.unbatched().createArrayOf("text", values));
            statement.setString(10, letter.errorClass());
            statement.setString(11, letter.message());
            statement.setString(12, letter.stackTrace());
            statement.executeUpdate();
        } catch (SQLException e) {
            throw SqlFailures.translate(
                    "PostgreSQL store '" + schema + "'", "recording dead letter of " + event.describe(), e);
        }
    }

    /** @return the {@code SET LOCAL} statements of the timeouts, or null when both are off */
    private static String timeouts(Duration lockTimeout, Duration statementTimeout) {
        StringBuilder sql = new StringBuilder();
        if (!lockTimeout.isZero()) {
            sql.append("SET LOCAL lock_timeout = ").append(lockTimeout.toMillis());
        }
        if (!statementTimeout.isZero()) {
            sql.append(sql.isEmpty() ? "" : "; ")
                    .append("SET LOCAL statement_timeout = ")
                    .append(statementTimeout.toMillis());
        }
        return sql.isEmpty() ? null : sql.toString();
    }

    /** Configures a {@link PostgresProjectionStore}. */
    public static final class Builder {
        private final DataSource dataSource;
        private String schema = LockstepMigrations.DEFAULT_SCHEMA;
        private Duration lockTimeout = DEFAULT_LOCK_TIMEOUT;
        private Duration statementTimeout = DEFAULT_STATEMENT_TIMEOUT;

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        /**
         * @param schema the schema Lockstep's tables were migrated into (default {@code lockstep}); a
         *               lower-case SQL identifier
         */
        public Builder schema(String schema) {
            this.schema = LockstepMigrations.requireSchema(schema);
            return this;
        }

        /**
         * @param lockTimeout how long a statement of the store's transactions (a batch, a replay, a dead letter)
         *                    may wait for a lock before it fails and the runner retries it as STALLED,
         *                    1 ms..24 h, or {@link Duration#ZERO} for no limit (default 10 s). Set per
         *                    transaction ({@code SET LOCAL lock_timeout}); the data source's sessions keep theirs
         */
        public Builder lockTimeout(Duration lockTimeout) {
            this.lockTimeout = requireTimeout("lockTimeout", lockTimeout, DEFAULT_LOCK_TIMEOUT);
            return this;
        }

        /**
         * @param statementTimeout how long one statement of the store's transactions may run before it is
         *                         cancelled and the runner retries it as STALLED, 1 ms..24 h, or
         *                         {@link Duration#ZERO} for no limit (default 2 min; raise it when a reset
         *                         handler legitimately runs longer, e.g. clearing a very large table).
         *                         Set per transaction ({@code SET LOCAL statement_timeout})
         */
        public Builder statementTimeout(Duration statementTimeout) {
            this.statementTimeout = requireTimeout("statementTimeout", statementTimeout, DEFAULT_STATEMENT_TIMEOUT);
            return this;
        }

        private static Duration requireTimeout(String setting, Duration value, Duration defaultValue) {
            Objects.requireNonNull(value, setting);
            if (!value.isZero()
                    && (value.compareTo(Duration.ofMillis(1)) < 0 || value.compareTo(LONGEST_TIMEOUT) > 0)) {
                throw new IllegalArgumentException(setting + " " + value + " makes no sense; use 1ms.."
                        + LONGEST_TIMEOUT + ", or Duration.ZERO for no limit (default " + defaultValue + ")");
            }
            return value;
        }

        /** @return the store; it opens no connection until first used */
        public PostgresProjectionStore build() {
            return new PostgresProjectionStore(this);
        }
    }
}
