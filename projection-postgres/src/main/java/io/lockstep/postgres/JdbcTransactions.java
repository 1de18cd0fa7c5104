package io.lockstep.postgres;

import io.lockstep.postgres.internal.JdbcConnections;
import io.lockstep.postgres.internal.SqlFailures;
import io.lockstep.projection.StatementMode;
import io.lockstep.projection.TransactionWork;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultConfiguration;

/**
 * Runs work in one JDBC transaction on a connection from a {@link DataSource}: commit on success; on any
 * failure roll back (a failed rollback is added as suppressed) and rethrow, translated by
 * {@link SqlFailures}. Thread-safe.
 */
final class JdbcTransactions {

    private static final Settings SETTINGS = new Settings().withExecuteLogging(false);

    private final JdbcConnections connections;
    private final String storeName;

    JdbcTransactions(DataSource dataSource, String storeName) {
        this.connections = new JdbcConnections(Objects.requireNonNull(dataSource, "dataSource"), storeName);
        this.storeName = storeName;
    }

    <R> R inTransaction(StatementMode mode, TransactionWork<PostgresTransaction, R> work) {
        Connection connection = open();
        try {
            boolean autoCommit = connection.getAutoCommit();
            if (autoCommit) {
                connection.setAutoCommit(false);
            }
            R result = runAndCommit(connection, mode, work);
            if (autoCommit) {
                connection.setAutoCommit(true);
            }
            return result;
        } catch (Throwable failure) {
            throw SqlFailures.translate(storeName, "transaction", failure);
        } finally {
            close(connection);
        }
    }

    /** Runs {@code work} with a fresh connection in auto-commit mode: one statement, one transaction. */
    <R> R withConnection(String operation, JdbcConnections.ConnectionWork<R> work) {
        return connections.withConnection(operation, work);
    }

    private <R> R runAndCommit(Connection connection, StatementMode mode,
                               TransactionWork<PostgresTransaction, R> work) throws Throwable {
        PipelinedConnection pipelined = mode == StatementMode.BATCHED ? PipelinedConnection.open(connection) : null;
        try {
            Connection handlers = pipelined != null ? pipelined : GuardedConnection.wrap(connection);
            R result = work.run(new PostgresTransaction(dsl(handlers), handlers, connection, pipelined));
            if (pipelined != null) {
                pipelined.flush();
            }
            connection.commit();
            return result;
        } catch (Throwable failure) {
            try {
                connection.rollback();
            } catch (SQLException | RuntimeException rollbackFailure) {
                failure.addSuppressed(rollbackFailure);
            }
            throw failure;
        } finally {
            if (pipelined != null) {
                pipelined.release();
            }
        }
    }

    private static DSLContext dsl(Connection connection) {
        return DSL.using(new DefaultConfiguration().set(connection).set(SQLDialect.POSTGRES).set(SETTINGS)
                .set(SavepointTransactions.INSTANCE));
    }

    private Connection open() {
        return connections.open();
    }

    private static void close(Connection connection) {
        JdbcConnections.close(connection);
    }
}
