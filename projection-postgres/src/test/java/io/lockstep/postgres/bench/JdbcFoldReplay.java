package io.lockstep.postgres.bench;

import io.lockstep.projection.Envelope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

/**
 * The {@code jdbc-fold} baseline, the match of a Lockstep batch handler: each batch is folded in memory
 * into one change per account ({@link AccountFold}), then written with one upsert per account and one
 * {@code executeBatch}.
 */
final class JdbcFoldReplay extends JdbcReplay {

    JdbcFoldReplay(DataSource dataSource, int batchSize) {
        super(Contenders.JDBC_FOLD, dataSource, batchSize);
    }

    @Override
    void write(Connection connection, List<Envelope> batch) throws SQLException {
        try (PreparedStatement upsert = connection.prepareStatement(UPSERT)) {
            for (AccountFold.Change change : AccountFold.fold(batch)) {
                upsert.setString(1, change.accountId());
                upsert.setString(2, change.owner());
                upsert.setLong(3, change.balance());
                upsert.setLong(4, change.events());
                upsert.setBoolean(5, change.closed());
                upsert.addBatch();
            }
            upsert.executeBatch();
        }
    }
}
