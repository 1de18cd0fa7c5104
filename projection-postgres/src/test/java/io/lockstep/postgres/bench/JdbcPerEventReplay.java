package io.lockstep.postgres.bench;

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
        try (Statements statements = Statements.prepare(connection)) {
            for (Envelope envelope : batch) {
                PreparedStatement statement = statements.bind(envelope.event());
                if (statement != null) {
                    statement.executeUpdate();
                }
            }
        }
    }
}
