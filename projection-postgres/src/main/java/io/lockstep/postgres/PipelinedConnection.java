package io.lockstep.postgres;

import io.lockstep.projection.PendingStatements;
import java.sql.CallableStatement;
import java.sql.ClientInfoStatus;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;
import org.jooq.tools.jdbc.DefaultConnection;
import org.postgresql.core.BaseConnection;

/**
 * The connection handlers use in {@link io.lockstep.projection.StatementMode#BATCHED} mode: executions of
 * INSERT, UPDATE and DELETE statements prepared through it are held back in a {@link StatementPipeline};
 * everything else that reaches the server (a query, another statement, a savepoint, metadata, a schema
 * change, unwrapping to the driver) first sends what is held back, so the server sees every statement in
 * the order handlers issued it and every read sees the writes before it. A held-back execution returns 0
 * rows. Like {@link GuardedConnection}, it refuses calls that would end the runner's transaction. Not
 * thread-safe: one per transaction.
 */
final class PipelinedConnection extends DefaultConnection implements PendingStatements {

    private final StatementPipeline pipeline;
    private final StatementPool pool;
    /** The rows the next execution must affect, set around one jOOQ query's execution. */
    private ExpectedRows nextExpected;

    private PipelinedConnection(Connection physical, StatementPipeline pipeline) {
        super(physical);
        this.pipeline = pipeline;
        this.pool = new StatementPool(physical);
    }

    /** @return a pipelining view of {@code physical}, or null when its driver cannot pipeline */
    static PipelinedConnection open(Connection physical) throws SQLException {
        BaseConnection driver = PgjdbcPipelining.unwrap(physical);
        return driver == null ? null : new PipelinedConnection(physical, new StatementPipeline(driver, physical));
    }

    @Override
    public void owner(int eventIndex) {
        pipeline.owner(eventIndex);
    }

    /** Sends what is held back. */
    @Override
    public void flush() throws SQLException {
        pipeline.flush();
    }

    /** Drops what is held back and closes the transaction's statements: the transaction ended. */
    void release() {
        pipeline.close();
        pool.close();
    }

    /**
     * Runs or holds back one execution of {@code pooled}, whose values are bound.
     *
     * @param expected the rows it must affect, or null; when null, the rows a jOOQ query declared apply
     * @return the row count, 0 when held back
     * @throws UnexpectedRowCountException when it ran at once and affected other rows than expected
     */
    long execute(PooledStatement pooled, ExpectedRows expected) throws SQLException {
        ExpectedRows rows = expected != null ? expected : nextExpected;
        nextExpected = null;
        if (pooled.deferrable() && pooled.valuesKeepable()) {
            pipeline.add(pooled.query(), pooled.parameters(), rows);
            return 0;
        }
        pipeline.flush();
        long count = pooled.statement().executeLargeUpdate();
        if (rows != null && !rows.matches(count)) {
            throw new UnexpectedRowCountException(pooled.query().toString(pooled.parameters()), rows, count);
        }
        return count;
    }

    /** Declares the rows the next execution must affect (a jOOQ query about to run); null clears it. */
    void expectNext(ExpectedRows expected) {
        nextExpected = expected;
    }

    /** @return true when an expectation set with {@link #expectNext} was not used by an execution */
    boolean expectationUnused() {
        return nextExpected != null;
    }

    StatementPool pool() {
        return pool;
    }

    // Statements prepared here may be held back.

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        return new PipelinedStatement(this, sql, pool.take(sql));
    }

    // Everything else that reaches the server sends what is held back first.

    @Override
    public Statement createStatement() throws SQLException {
        return FlushingStatements.wrap(super.createStatement(), Statement.class, this);
    }

    @Override
    public Statement createStatement(int type, int concurrency) throws SQLException {
        return FlushingStatements.wrap(super.createStatement(type, concurrency), Statement.class, this);
    }

    @Override
    public Statement createStatement(int type, int concurrency, int holdability) throws SQLException {
        return FlushingStatements.wrap(super.createStatement(type, concurrency, holdability), Statement.class, this);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency) throws SQLException {
        return FlushingStatements.wrap(super.prepareStatement(sql, type, concurrency), PreparedStatement.class, this);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency, int holdability)
            throws SQLException {
        return FlushingStatements.wrap(
                super.prepareStatement(sql, type, concurrency, holdability), PreparedStatement.class, this);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        return FlushingStatements.wrap(super.prepareStatement(sql, autoGeneratedKeys), PreparedStatement.class, this);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        return FlushingStatements.wrap(super.prepareStatement(sql, columnIndexes), PreparedStatement.class, this);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        return FlushingStatements.wrap(super.prepareStatement(sql, columnNames), PreparedStatement.class, this);
    }

    @Override
    public CallableStatement prepareCall(String sql) throws SQLException {
        return FlushingStatements.wrap(super.prepareCall(sql), CallableStatement.class, this);
    }

    @Override
    public CallableStatement prepareCall(String sql, int type, int concurrency) throws SQLException {
        return FlushingStatements.wrap(super.prepareCall(sql, type, concurrency), CallableStatement.class, this);
    }

    @Override
    public CallableStatement prepareCall(String sql, int type, int concurrency, int holdability) throws SQLException {
        return FlushingStatements.wrap(
                super.prepareCall(sql, type, concurrency, holdability), CallableStatement.class, this);
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        flush();
        return super.setSavepoint();
    }

    @Override
    public Savepoint setSavepoint(String name) throws SQLException {
        flush();
        return super.setSavepoint(name);
    }

    @Override
    public void rollback(Savepoint savepoint) throws SQLException {
        flush();
        super.rollback(savepoint);
    }

    @Override
    public void releaseSavepoint(Savepoint savepoint) throws SQLException {
        flush();
        super.releaseSavepoint(savepoint);
    }

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        flush();
        return super.getMetaData();
    }

    @Override
    public void setSchema(String schema) throws SQLException {
        flush();
        super.setSchema(schema);
    }

    @Override
    public void setClientInfo(String name, String value) throws SQLClientInfoException {
        flushForClientInfo();
        super.setClientInfo(name, value);
    }

    @Override
    public void setClientInfo(Properties properties) throws SQLClientInfoException {
        flushForClientInfo();
        super.setClientInfo(properties);
    }

    @Override
    public boolean isValid(int timeout) throws SQLException {
        flush();
        return super.isValid(timeout);
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        flush(); // the caller may reach the server past this connection (COPY, say)
        return super.unwrap(type);
    }

    private void flushForClientInfo() throws SQLClientInfoException {
        try {
            flush();
        } catch (SQLException e) {
            throw new SQLClientInfoException(e.getMessage(), e.getSQLState(), Map.<String, ClientInfoStatus>of(), e);
        }
    }

    // The runner owns the transaction.

    @Override
    public void setAutoCommit(boolean autoCommit) {
        throw GuardedConnection.refused("setAutoCommit");
    }

    @Override
    public void commit() {
        throw GuardedConnection.refused("commit");
    }

    @Override
    public void rollback() {
        throw GuardedConnection.refused("rollback");
    }

    @Override
    public void close() {
        throw GuardedConnection.refused("close");
    }

    @Override
    public void abort(Executor executor) {
        throw GuardedConnection.refused("abort");
    }

    @Override
    public void setTransactionIsolation(int level) {
        throw GuardedConnection.refused("setTransactionIsolation");
    }

    @Override
    public void setReadOnly(boolean readOnly) {
        throw GuardedConnection.refused("setReadOnly");
    }
}
