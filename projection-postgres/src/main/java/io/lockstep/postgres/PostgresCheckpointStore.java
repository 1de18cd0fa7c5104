package io.lockstep.postgres;

import io.lockstep.projection.CheckpointConflictException;
import io.lockstep.projection.CheckpointKey;
import io.lockstep.projection.CheckpointStore;
import io.lockstep.projection.internal.Arguments;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A {@link CheckpointStore} in PostgreSQL: one row per projection and tenant in
 * {@code <schema>.checkpoints}. Each call is one short transaction of its own. Thread-safe.
 *
 * <p>Obtained from {@link PostgresProjectionStore#checkpoints()}; projection runners advance checkpoints
 * inside their batch transactions instead (see {@link PostgresProjectionStore#advanceCheckpoint}).
 */
final class PostgresCheckpointStore implements CheckpointStore {

    private final JdbcTransactions jdbc;
    private final CheckpointSql sql;
    private final String tenantId;

    PostgresCheckpointStore(JdbcTransactions jdbc, CheckpointSql sql, String tenantId) {
        this.jdbc = jdbc;
        this.sql = sql;
        this.tenantId = tenantId;
    }

    @Override
    public long getCheckpoint(String projectionName) {
        CheckpointKey key = key(projectionName);
        return jdbc.withConnection("reading checkpoint " + key, connection -> read(connection, sql, key));
    }

    @Override
    public void storeCheckpoint(String projectionName, long position) {
        CheckpointKey key = key(projectionName);
        Arguments.requirePosition(position, "position");
        jdbc.withConnection("storing checkpoint " + key, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql.store())) {
                bind(statement, key, position);
                try (ResultSet rows = statement.executeQuery()) {
                    if (!rows.next()) {
                        throw CheckpointConflictException.backward(key, read(connection, sql, key), position);
                    }
                }
            }
            return null;
        });
    }

    @Override
    public void resetCheckpoint(String projectionName, long position) {
        CheckpointKey key = key(projectionName);
        Arguments.requirePosition(position, "position");
        jdbc.withConnection("resetting checkpoint " + key, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql.reset())) {
                bind(statement, key, position);
                statement.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public CheckpointStore forTenant(String tenantId) {
        return new PostgresCheckpointStore(
                jdbc, sql, Arguments.requireKeyPart(tenantId, "tenantId", CheckpointKey.MAX_LENGTH));
    }

    /** Reads the checkpoint of {@code key} on {@code connection}, -1 when there is none. */
    static long read(Connection connection, CheckpointSql sql, CheckpointKey key) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql.select())) {
            statement.setString(1, key.tenantId());
            statement.setString(2, key.projection());
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getLong(1) : Arguments.NO_POSITION;
            }
        }
    }

    private static void bind(PreparedStatement statement, CheckpointKey key, long position) throws SQLException {
        statement.setString(1, key.tenantId());
        statement.setString(2, key.projection());
        statement.setLong(3, position);
    }

    private CheckpointKey key(String projectionName) {
        return new CheckpointKey(tenantId, projectionName);
    }
}
