package io.lockstep.postgres.bench;

import io.lockstep.postgres.testing.AccountsWorkload.AccountOpened;
import io.lockstep.postgres.testing.AccountsWorkload.FundsDeposited;
import io.lockstep.postgres.testing.AccountsWorkload.FundsWithdrawn;
import io.lockstep.projection.Envelope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

/**
 * The {@code jdbc-batch} baseline: the per-event statements sent with {@code addBatch}/{@code executeBatch},
 * one transaction per batch. Consecutive events of the same statement share a JDBC batch; a change of
 * statement sends the pending batch first, so the database sees the statements in event order whatever
 * the order of event types.
 */
final class JdbcBatchReplay extends JdbcReplay {

    JdbcBatchReplay(DataSource dataSource, int batchSize) {
        super(Contenders.JDBC_BATCH, dataSource, batchSize);
    }

    @Override
    void write(Connection connection, List<Envelope> batch) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(INSERT);
             PreparedStatement credit = connection.prepareStatement(CREDIT)) {
            PreparedStatement pending = null;
            for (Envelope envelope : batch) {
                PreparedStatement statement = switch (envelope.event()) {
                    case AccountOpened e -> bindInsert(insert, e.accountId(), e.initialDeposit());
                    case FundsDeposited e -> bindCredit(credit, e.accountId(), e.amount());
                    case FundsWithdrawn e -> bindCredit(credit, e.accountId(), -e.amount());
                    default -> null;
                };
                if (statement == null) {
                    continue;
                }
                if (pending != null && pending != statement) {
                    // Parameters bound above stay on the client until addBatch; the pending batch goes first.
                    pending.executeBatch();
                }
                statement.addBatch();
                pending = statement;
            }
            if (pending != null) {
                pending.executeBatch();
            }
        }
    }

    private static PreparedStatement bindInsert(PreparedStatement insert, String accountId, long deposit)
            throws SQLException {
        insert.setString(1, accountId);
        insert.setLong(2, deposit);
        insert.setLong(3, 1);
        return insert;
    }

    private static PreparedStatement bindCredit(PreparedStatement credit, String accountId, long delta)
            throws SQLException {
        credit.setLong(1, delta);
        credit.setLong(2, 1);
        credit.setString(3, accountId);
        return credit;
    }
}
