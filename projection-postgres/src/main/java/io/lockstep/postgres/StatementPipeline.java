package io.lockstep.postgres;

import io.lockstep.projection.DeferredStatementException;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.ParameterList;
import org.postgresql.core.Query;
import org.postgresql.core.QueryExecutor;
import org.postgresql.jdbc.BatchResultHandler;
import org.postgresql.jdbc.PgStatement;

/**
 * The write statements a batch holds back, with their bound values, in the order handlers issued them; a
 * flush sends them all in one pipeline (the driver syncs about every 250 statements so that neither side's
 * buffers fill up) and checks the rows each one was expected to affect. The server executes them exactly in
 * that order, so the effects are those of running them one by one; only their failures and row counts
 * arrive later. Each statement is kept with the index of the event whose handler issued it. Not
 * thread-safe: one per transaction.
 */
final class StatementPipeline {

    /** Statements held back at most: the queue flushes itself beyond, so memory stays bounded. */
    static final int MAX_PENDING = 1_000;

    private final BaseConnection connection;
    private final Connection physical;
    private final boolean oneShot;
    private Query[] queries = new Query[64];
    private ParameterList[] parameters = new ParameterList[64];
    private int[] owners = new int[64];
    private ExpectedRows[] expected = new ExpectedRows[64];
    private int size;
    private int owner = DeferredStatementException.UNKNOWN_EVENT;
    private Statement warnings;

    /**
     * @param connection the pgjdbc connection the statements were prepared on
     * @param physical   the same connection as the data source handed it out
     */
    StatementPipeline(BaseConnection connection, Connection physical) throws SQLException {
        this.connection = connection;
        this.physical = physical;
        // prepareThreshold=0 asks for no named server-side statements (e.g. behind a transaction pooler).
        this.oneShot = connection.getPrepareThreshold() == 0;
    }

    /** Charges the statements added from now on to the event at {@code index} (-1: none). */
    void owner(int index) {
        owner = index;
    }

    /** @return how many statements are held back */
    int size() {
        return size;
    }

    /**
     * Holds back one execution of {@code query} with a copy of {@code values}; flushes when
     * {@link #MAX_PENDING} are pending.
     *
     * @param rows the rows it must affect, or null for any number
     */
    void add(Query query, ParameterList values, ExpectedRows rows) throws SQLException {
        if (size == queries.length) {
            int capacity = Math.min(size * 2, MAX_PENDING);
            queries = Arrays.copyOf(queries, capacity);
            parameters = Arrays.copyOf(parameters, capacity);
            owners = Arrays.copyOf(owners, capacity);
            expected = Arrays.copyOf(expected, capacity);
        }
        queries[size] = query;
        parameters[size] = values.copy();
        owners[size] = owner;
        expected[size] = rows;
        size++;
        if (size == MAX_PENDING) {
            flush();
        }
    }

    /**
     * Sends every held-back statement in one pipeline and empties the queue, whatever happens.
     *
     * @throws DeferredStatementException naming the event whose statement failed or affected an unexpected
     *                                    number of rows
     * @throws SQLException               when the connection failed
     */
    void flush() throws SQLException {
        if (size == 0) {
            return;
        }
        Query[] sent = Arrays.copyOf(queries, size);
        ParameterList[] values = Arrays.copyOf(parameters, size);
        int[] sentOwners = Arrays.copyOf(owners, size);
        ExpectedRows[] sentExpected = Arrays.copyOf(expected, size);
        clear();
        BatchResultHandler handler = PgjdbcPipelining.handler(warningsStatement(), sent, values);
        int flags = QueryExecutor.QUERY_NO_RESULTS | (oneShot ? QueryExecutor.QUERY_ONESHOT : 0);
        try {
            connection.getQueryExecutor().execute(sent, values, handler, 0, 0, flags);
        } catch (BatchUpdateException e) {
            SQLException cause = e.getNextException() != null ? e.getNextException() : e;
            if (cause.getSQLState() != null && cause.getSQLState().startsWith("08")) {
                throw cause; // the connection's failure, no event's
            }
            throw failed(sent, values, sentOwners, PgjdbcPipelining.results(handler) - 1, cause);
        }
        long[] counts = handler.getLargeUpdateCount();
        for (int i = 0; i < sent.length; i++) {
            if (sentExpected[i] != null && !sentExpected[i].matches(counts[i])) {
                String statement = sent[i].toString(values[i]);
                throw new DeferredStatementException(
                        "statement held back to be sent with others affected an"
                                + " unexpected number of rows: "
                                + UnexpectedRowCountException.describe(statement, sentExpected[i], counts[i]),
                        sentOwners[i],
                        new UnexpectedRowCountException(statement, sentExpected[i], counts[i]));
            }
        }
    }

    /** Drops what is held back (the transaction is rolling back) and closes the statement kept for warnings. */
    void close() {
        clear();
        if (warnings != null) {
            try {
                warnings.close();
            } catch (SQLException ignored) {
                // The transaction is ending; the connection goes back to the pool, which closes statements.
            }
            warnings = null;
        }
    }

    private void clear() {
        Arrays.fill(queries, 0, size, null);
        Arrays.fill(parameters, 0, size, null);
        Arrays.fill(expected, 0, size, null);
        size = 0;
    }

    /** The driver reports the pipeline's warnings (a trigger's notices) to a statement; this one. */
    private PgStatement warningsStatement() throws SQLException {
        if (warnings == null) {
            warnings = physical.createStatement();
        }
        return warnings.unwrap(PgStatement.class);
    }

    /** @return the failure of the statement at {@code index} (-1 or beyond: unknown), naming its event */
    private static DeferredStatementException failed(
            Query[] sent, ParameterList[] values, int[] sentOwners, int index, SQLException cause) {
        boolean known = index >= 0 && index < sent.length;
        String statement = known ? sent[index].toString(values[index]) : "one of " + sent.length + " statements";
        return new DeferredStatementException(
                "statement held back to be sent with others failed: " + statement + ": " + cause.getMessage(),
                known ? sentOwners[index] : DeferredStatementException.UNKNOWN_EVENT,
                cause);
    }
}
