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

/** The {@code jdbc-per-event} baseline: one {@code executeUpdate} per event, one transaction per batch. */
final class JdbcPerEventReplay extends JdbcReplay {

    JdbcPerEventReplay(DataSource dataSource, int batchSize) {
        super(Contenders.JDBC_PER_EVENT, dataSource, batchSize);
    }

    @Override
    void write(Connection connection, List<Envelope> batch) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(INSERT);
             PreparedStatement credit = connection.prepareStatement(CREDIT)) {
            for (Envelope envelope : batch) {
                switch (envelope.event()) {
                    case AccountOpened e -> {
                        insert.setString(1, e.accountId());
                        insert.setLong(2, e.initialDeposit());
                        insert.setLong(3, 1);
                        insert.executeUpdate();
                    }
                    case FundsDeposited e -> credit(credit, e.accountId(), e.amount());
                    case FundsWithdrawn e -> credit(credit, e.accountId(), -e.amount());
                    default -> { }
                }
            }
        }
    }

    private static void credit(PreparedStatement credit, String accountId, long delta) throws SQLException {
        credit.setLong(1, delta);
        credit.setLong(2, 1);
        credit.setString(3, accountId);
        credit.executeUpdate();
    }
}
