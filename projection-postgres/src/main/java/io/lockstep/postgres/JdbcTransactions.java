package io.lockstep.postgres;

import io.lockstep.postgres.internal.JdbcConnections;
import io.lockstep.postgres.internal.SqlFailures;
import io.lockstep.projection.CheckpointConflictException;
import io.lockstep.projection.StatementMode;
import io.lockstep.projection.TransactionWork;
import io.lockstep.projection.TransientStoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
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
 * {@link SqlFailures}. A failure that SqlFailures does not count as the environment's is put to a probe on the
 * same connection after the rollback: when the connection fails a trivial statement too, the failure is the
 * environment's ({@link TransientStoreException}) whatever it said. Thread-safe.
 */
final class JdbcTransactions {

    private static final Settings SETTINGS = new Settings().withExecuteLogging(false);
    /** How long the probe of a connection after a failure may take. */
    private static final int PROBE_SECONDS = 5;

    private final JdbcConnections connections;
    private final String storeName;
    private final String setUp;

    /**
     * @param setUp SQL run first in every transaction (the store's {@code SET LOCAL} timeouts), or null for none
     */
    JdbcTransactions(DataSource dataSource, String storeName, String setUp) {
        this.connections = new JdbcConnections(Objects.requireNonNull(dataSource, "dataSource"), storeName);
        this.storeName = storeName;
        this.setUp = setUp;
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
            throw SqlFailures.translate(storeName, "transaction", probed(connection, failure));
        } finally {
            close(connection);
        }
    }

    /** Runs {@code work} with a fresh connection in auto-commit mode: one statement, one transaction. */
    <R> R withConnection(String operation, JdbcConnections.ConnectionWork<R> work) {
        return connections.withConnection(operation, work);
    }

    /**
     * Puts a failure that may be an event's to a probe on its own (rolled-back) connection.
     *
     * @return {@code failure}, or a {@link TransientStoreException} around it when the connection failed the probe
     */
    private Throwable probed(Connection connection, Throwable failure) {
        if (failure instanceof Error
                || failure instanceof CheckpointConflictException
                || SqlFailures.isTransient(failure)) {
            return failure;
        }
        boolean valid;
        try {
            valid = connection.isValid(PROBE_SECONDS);
        } catch (SQLException | RuntimeException e) {
            failure.addSuppressed(e);
            valid = false;
        }
        return valid
                ? failure
                : new TransientStoreException(
                        storeName + ": the transaction failed (" + failure
                                + ") and its connection failed a probe statement right after, so the database is unavailable,"
                                + " which is no event's fault; retried until it is back",
                        failure);
    }

    private <R> R runAndCommit(Connection connection, StatementMode mode, TransactionWork<PostgresTransaction, R> work)
            throws Throwable {
        PipelinedConnection pipelined = mode == StatementMode.BATCHED ? PipelinedConnection.open(connection) : null;
        try {
            if (setUp != null) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute(setUp);
                }
            }
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
        return DSL.using(new DefaultConfiguration()
                .set(connection)
                .set(SQLDialect.POSTGRES)
                .set(SETTINGS)
                .set(SavepointTransactions.INSTANCE));
    }

    private Connection open() {
        return connections.open();
    }

    private static void close(Connection connection) {
        JdbcConnections.close(connection);
    }
}
