package io.lockstep.postgres.bench;

import io.lockstep.projection.Envelope;
import io.lockstep.projection.EventSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

/**
 * A hand-written JDBC baseline: the loop a careful developer would write without Lockstep. Each batch is
 * one transaction on a pooled connection that first moves the checkpoint with the same guarded UPDATE
 * Lockstep issues, then applies the batch as the subclass decides, then commits.
 */
abstract class JdbcReplay implements Contender {

    static final String INSERT = "INSERT INTO account_balance (account_id, balance, events) VALUES (?, ?, ?)";
    static final String CREDIT = "UPDATE account_balance SET balance = balance + ?, events = events + ?"
            + " WHERE account_id = ?";
    private static final String CLAIM = "UPDATE lockstep.checkpoints SET position = ?, updated_at = now()"
            + " WHERE tenant_id = '' AND projection = ? AND position = ?";

    private final String name;
    private final DataSource dataSource;
    private final int batchSize;

    JdbcReplay(String name, DataSource dataSource, int batchSize) {
        this.name = name;
        this.dataSource = dataSource;
        this.batchSize = batchSize;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String checkpoint() {
        return "bench-" + name;
    }

    @Override
    public final int batchSize() {
        return batchSize;
    }

    @Override
    public final long replay(EventSource source) throws SQLException {
        long checkpoint = -1;
        for (List<Envelope> batch = source.read(checkpoint, batchSize); !batch.isEmpty();
             batch = source.read(checkpoint, batchSize)) {
            long next = batch.getLast().position();
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                try {
                    claim(connection, checkpoint, next);
                    write(connection, batch);
                    connection.commit();
                } catch (SQLException | RuntimeException e) {
                    connection.rollback();
                    throw e;
                }
            }
            checkpoint = next;
        }
        return checkpoint;
    }

    /** Applies {@code batch} (never empty) inside the open transaction of {@code connection}. */
    abstract void write(Connection connection, List<Envelope> batch) throws SQLException;

    private void claim(Connection connection, long expected, long next) throws SQLException {
        try (PreparedStatement claim = connection.prepareStatement(CLAIM)) {
            claim.setLong(1, next);
            claim.setString(2, checkpoint());
            claim.setLong(3, expected);
            if (claim.executeUpdate() != 1) {
                throw new IllegalStateException(name + ": checkpoint '" + checkpoint() + "' is not at " + expected
                        + "; was it reset to -1 before the replay?");
            }
        }
    }
}
