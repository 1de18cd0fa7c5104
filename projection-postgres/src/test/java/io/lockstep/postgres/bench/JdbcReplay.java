package io.lockstep.postgres.bench;

import io.lockstep.postgres.bench.LiveWorkload.AccountClosed;
import io.lockstep.postgres.bench.LiveWorkload.AccountOpened;
import io.lockstep.postgres.bench.LiveWorkload.FundsDeposited;
import io.lockstep.postgres.bench.LiveWorkload.FundsWithdrawn;
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

    /** The statement of each event type, as a user writes them. */
    static final String OPEN =
            "INSERT INTO account_balance (account_id, owner, balance, events, closed)" + " VALUES (?, ?, ?, 1, false)";

    static final String DEPOSIT =
            "UPDATE account_balance SET balance = balance + ?, events = events + 1" + " WHERE account_id = ?";
    static final String WITHDRAW =
            "UPDATE account_balance SET balance = balance - ?, events = events + 1" + " WHERE account_id = ?";
    static final String CLOSE = "UPDATE account_balance SET closed = true, events = events + 1 WHERE account_id = ?";
    /** The fold's one statement per touched account. */
    static final String UPSERT = "INSERT INTO account_balance AS a (account_id, owner, balance, events, closed)"
            + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET balance = a.balance + excluded.balance,"
            + " events = a.events + excluded.events, closed = a.closed OR excluded.closed";

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
        for (List<Envelope> batch = source.read(checkpoint, batchSize);
                !batch.isEmpty();
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

    /** The four statements of the per-event baselines, prepared on one connection. */
    record Statements(
            PreparedStatement open, PreparedStatement deposit, PreparedStatement withdraw, PreparedStatement closing)
            implements AutoCloseable {

        static Statements prepare(Connection connection) throws SQLException {
            return new Statements(
                    connection.prepareStatement(OPEN),
                    connection.prepareStatement(DEPOSIT),
                    connection.prepareStatement(WITHDRAW),
                    connection.prepareStatement(CLOSE));
        }

        /** Binds the statement of {@code event}'s type and returns it, or null for an event of no interest. */
        PreparedStatement bind(Object event) throws SQLException {
            switch (event) {
                case AccountOpened e -> {
                    open.setString(1, e.accountId());
                    open.setString(2, e.owner());
                    open.setLong(3, e.initialDeposit());
                    return open;
                }
                case FundsDeposited e -> {
                    deposit.setLong(1, e.amount());
                    deposit.setString(2, e.accountId());
                    return deposit;
                }
                case FundsWithdrawn e -> {
                    withdraw.setLong(1, e.amount());
                    withdraw.setString(2, e.accountId());
                    return withdraw;
                }
                case AccountClosed e -> {
                    closing.setString(1, e.accountId());
                    return closing;
                }
                default -> {
                    return null;
                }
            }
        }

        @Override
        public void close() throws SQLException {
            for (PreparedStatement statement : List.of(open, deposit, withdraw, closing)) {
                statement.close();
            }
        }
    }

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
