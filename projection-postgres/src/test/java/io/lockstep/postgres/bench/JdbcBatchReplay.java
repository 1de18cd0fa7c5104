package io.lockstep.postgres.bench;

import io.lockstep.projection.Envelope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

/**
 * The {@code jdbc-batch} baseline: the per-event statements grouped per kind, one {@code executeBatch} per
 * kind and transaction: the openings first, then deposits, withdrawals and closes. Reordering is right for
 * this read model only (an account exists before any other event of it, and the updates commute); it is
 * what a developer who knows the read model writes by hand, and the fastest way to send these statements
 * with plain JDBC.
 */
final class JdbcBatchReplay extends JdbcReplay {

    JdbcBatchReplay(DataSource dataSource, int batchSize) {
        super(Contenders.JDBC_BATCH, dataSource, batchSize);
    }

    @Override
    void write(Connection connection, List<Envelope> batch) throws SQLException {
        try (Statements statements = Statements.prepare(connection)) {
            for (Envelope envelope : batch) {
                PreparedStatement statement = statements.bind(envelope.event());
                if (statement != null) {
                    statement.addBatch();
                }
            }
            statements.open().executeBatch();
            statements.deposit().executeBatch();
            statements.withdraw().executeBatch();
            statements.closing().executeBatch();
        }
    }
}
