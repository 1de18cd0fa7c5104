package io.lockstep.postgres;

import java.io.InputStream;
import java.io.Reader;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.postgresql.core.ParameterList;
import org.postgresql.core.Query;
import org.postgresql.core.SqlCommand;
import org.postgresql.core.SqlCommandType;
import org.postgresql.core.v3.BatchedQuery;
import org.postgresql.jdbc.PgStatement;
import org.postgresql.util.ByteStreamWriter;
import org.postgresql.util.StreamWrapper;

/**
 * A driver prepared statement kept open for a batch's transaction, with what pipelining needs of it: the
 * query it runs, its live parameters, and whether an execution may be held back. Only INSERT, UPDATE and
 * DELETE without RETURNING are held back (they return nothing but a row count); everything else runs at
 * once, after what is held back.
 *
 * @param statement  the statement as the data source's connection made it (a pool's proxy, say)
 * @param query      the driver's query
 * @param parameters the values bound to it, live
 * @param deferrable true when an execution may be held back
 */
record PooledStatement(PreparedStatement statement, Query query, ParameterList parameters, boolean deferrable) {

    /** Looks into {@code statement}, made on a pgjdbc connection. */
    static PooledStatement of(PreparedStatement statement) throws SQLException {
        PgStatement driver = statement.unwrap(PgStatement.class);
        Query query = PgjdbcPipelining.query(driver);
        return new PooledStatement(statement, query, PgjdbcPipelining.parameters(driver), deferrable(query));
    }

    private static boolean deferrable(Query query) {
        SqlCommand command = query.getSqlCommand();
        if (query.getSubqueries() != null
                || command == null
                || command.isReturningKeywordPresent()
                || query instanceof BatchedQuery) {
            return false;
        }
        SqlCommandType type = command.getType();
        return type == SqlCommandType.INSERT || type == SqlCommandType.UPDATE || type == SqlCommandType.DELETE;
    }

    /**
     * @return true when the values bound now may be kept for later: none is a stream, which the caller
     *         may close once the statement returned
     */
    boolean valuesKeepable() {
        Object[] values = parameters.getValues();
        if (values == null) {
            return true;
        }
        for (Object value : values) {
            if (value instanceof StreamWrapper
                    || value instanceof ByteStreamWriter
                    || value instanceof InputStream
                    || value instanceof Reader) {
                return false;
            }
        }
        return true;
    }
}
