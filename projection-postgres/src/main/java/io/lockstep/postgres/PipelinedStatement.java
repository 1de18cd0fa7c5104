package io.lockstep.postgres;

import java.sql.ResultSet;
import java.sql.SQLException;
import org.jooq.tools.jdbc.DefaultPreparedStatement;

/**
 * A prepared statement of a {@link PipelinedConnection}: an execution of an INSERT, UPDATE or DELETE is
 * held back and reads 0 rows; a query, a JDBC batch or any other statement sends what is held back first
 * and then runs. Binding goes straight to the driver's statement, so values are bound exactly as the
 * driver binds them. Closing gives the driver's statement back to the transaction's pool.
 */
final class PipelinedStatement extends DefaultPreparedStatement {

    private final PipelinedConnection connection;
    private final String sql;
    private final PooledStatement pooled;
    private boolean heldBack;
    private boolean closed;

    PipelinedStatement(PipelinedConnection connection, String sql, PooledStatement pooled) {
        super(pooled.statement(), connection);
        this.connection = connection;
        this.sql = sql;
        this.pooled = pooled;
    }

    /**
     * Executes with an expectation of the rows affected.
     *
     * @return the row count, 0 when held back
     */
    long executeExpecting(ExpectedRows expected) throws SQLException {
        requireOpen();
        long count = connection.execute(pooled, expected);
        heldBack = pooled.deferrable() && count == 0;
        return count;
    }

    @Override
    public int executeUpdate() throws SQLException {
        return (int) executeExpecting(null);
    }

    @Override
    public long executeLargeUpdate() throws SQLException {
        return executeExpecting(null);
    }

    @Override
    public boolean execute() throws SQLException {
        requireOpen();
        if (pooled.deferrable()) {
            executeExpecting(null);
            return false;
        }
        heldBack = false;
        connection.flush();
        return super.execute();
    }

    @Override
    public ResultSet executeQuery() throws SQLException {
        requireOpen();
        heldBack = false;
        connection.flush();
        return super.executeQuery();
    }

    @Override
    public int[] executeBatch() throws SQLException {
        requireOpen();
        heldBack = false;
        connection.flush();
        return super.executeBatch();
    }

    @Override
    public long[] executeLargeBatch() throws SQLException {
        requireOpen();
        heldBack = false;
        connection.flush();
        return super.executeLargeBatch();
    }

    @Override
    public int getUpdateCount() throws SQLException {
        return heldBack ? 0 : super.getUpdateCount();
    }

    @Override
    public long getLargeUpdateCount() throws SQLException {
        return heldBack ? 0 : super.getLargeUpdateCount();
    }

    @Override
    public ResultSet getResultSet() throws SQLException {
        return heldBack ? null : super.getResultSet();
    }

    @Override
    public boolean getMoreResults() throws SQLException {
        return !heldBack && super.getMoreResults();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        connection.flush(); // the driver's statement runs past what is held back
        return super.unwrap(type);
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() throws SQLException {
        if (!closed) {
            closed = true;
            connection.pool().giveBack(sql, pooled);
        }
    }

    private void requireOpen() throws SQLException {
        if (closed) {
            throw new SQLException("this statement is closed: " + sql, "55000");
        }
    }
}
