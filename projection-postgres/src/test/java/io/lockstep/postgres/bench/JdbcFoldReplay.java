package io.lockstep.postgres.bench;

import io.lockstep.postgres.testing.AccountsWorkload.AccountOpened;
import io.lockstep.postgres.testing.AccountsWorkload.FundsDeposited;
import io.lockstep.postgres.testing.AccountsWorkload.FundsWithdrawn;
import io.lockstep.projection.Envelope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The {@code jdbc-fold} baseline, the match of a Lockstep batch handler: each batch is folded in memory
 * into one change per account, then written with {@code executeBatch}: the accounts opened in the batch
 * (inserted with their folded balance), then one update per other touched account.
 */
final class JdbcFoldReplay extends JdbcReplay {

    JdbcFoldReplay(DataSource dataSource, int batchSize) {
        super(Contenders.JDBC_FOLD, dataSource, batchSize);
    }

    @Override
    void write(Connection connection, List<Envelope> batch) throws SQLException {
        Map<String, Long> opened = new LinkedHashMap<>();
        Map<String, long[]> changes = new HashMap<>();
        for (Envelope envelope : batch) {
            switch (envelope.event()) {
                case AccountOpened e -> opened.put(e.accountId(), e.initialDeposit());
                case FundsDeposited e -> add(changes, e.accountId(), e.amount());
                case FundsWithdrawn e -> add(changes, e.accountId(), -e.amount());
                default -> { }
            }
        }
        try (PreparedStatement insert = connection.prepareStatement(INSERT);
             PreparedStatement credit = connection.prepareStatement(CREDIT)) {
            for (Map.Entry<String, Long> account : opened.entrySet()) {
                long[] change = changes.remove(account.getKey());
                insert.setString(1, account.getKey());
                insert.setLong(2, account.getValue() + (change == null ? 0 : change[0]));
                insert.setLong(3, 1 + (change == null ? 0 : change[1]));
                insert.addBatch();
            }
            for (Map.Entry<String, long[]> account : changes.entrySet()) {
                credit.setLong(1, account.getValue()[0]);
                credit.setLong(2, account.getValue()[1]);
                credit.setString(3, account.getKey());
                credit.addBatch();
            }
            // Inserts first: an account opened in this batch exists before any update could reach it.
            insert.executeBatch();
            credit.executeBatch();
        }
    }

    private static void add(Map<String, long[]> changes, String accountId, long delta) {
        long[] change = changes.computeIfAbsent(accountId, id -> new long[2]);
        change[0] += delta;
        change[1]++;
    }
}
