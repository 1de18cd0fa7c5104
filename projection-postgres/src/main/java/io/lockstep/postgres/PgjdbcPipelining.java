package io.lockstep.postgres;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.CachedQuery;
import org.postgresql.core.ParameterList;
import org.postgresql.core.Query;
import org.postgresql.jdbc.BatchResultHandler;
import org.postgresql.jdbc.PgStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The four members of the PostgreSQL JDBC driver that are not public API and that pipelining different
 * statements needs: a prepared statement's query and bound parameters (to queue an execution exactly as
 * the driver would run it), the constructor of the driver's batch result handler (its
 * {@code QueryExecutor} runs different queries with their parameters in one round trip only with that
 * handler), and the handler's result index (which statement of a pipeline failed). The driver's own
 * {@code executeBatch} does the same with one query; pgjdbc has kept these members since 9.4.1207 (2015).
 *
 * <p>When the driver lacks them (another driver, a release that changed them, a module layer that does not
 * open the driver), {@link #available()} is false and a batch's statements run one by one: slower, the
 * same results. Thread-safe.
 */
final class PgjdbcPipelining {

    private static final Logger LOG = LoggerFactory.getLogger(PgjdbcPipelining.class);

    private static final Members MEMBERS = Members.find();

    private PgjdbcPipelining() {}

    /** The reflected members; null fields when not found. */
    private record Members(Field query, Field parameters, Constructor<BatchResultHandler> handler, Field resultIndex) {

        static Members find() {
            try {
                Class<?> prepared = Class.forName("org.postgresql.jdbc.PgPreparedStatement"); // not public
                Field query = prepared.getDeclaredField("preparedQuery");
                Field parameters = prepared.getDeclaredField("preparedParameters");
                Constructor<BatchResultHandler> handler = BatchResultHandler.class.getDeclaredConstructor(
                        PgStatement.class, Query[].class, ParameterList[].class, boolean.class);
                Field resultIndex = BatchResultHandler.class.getDeclaredField("resultIndex");
                query.setAccessible(true);
                parameters.setAccessible(true);
                handler.setAccessible(true);
                resultIndex.setAccessible(true);
                return new Members(query, parameters, handler, resultIndex);
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                LOG.warn(
                        "Lockstep cannot pipeline statements with this PostgreSQL driver ({}); handlers' statements"
                                + " of a batch will run one by one, which is slower",
                        e.toString());
                return null;
            }
        }
    }

    /** @return true when pipelining works with the driver on the class path */
    static boolean available() {
        return MEMBERS != null;
    }

    /** @return {@code connection}'s pgjdbc connection, or null when it is not one or pipelining is unavailable */
    static BaseConnection unwrap(Connection connection) {
        try {
            return MEMBERS != null && connection.isWrapperFor(BaseConnection.class)
                    ? connection.unwrap(BaseConnection.class)
                    : null;
        } catch (SQLException e) {
            return null;
        }
    }

    /** @return the query {@code statement} executes (pgjdbc's prepared statement, unwrapped) */
    static Query query(PgStatement statement) {
        try {
            return ((CachedQuery) MEMBERS.query.get(statement)).query;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("pgjdbc's prepared query became inaccessible", e);
        }
    }

    /** @return the parameters bound to {@code statement} (pgjdbc's, unwrapped), live: copy to keep */
    static ParameterList parameters(PgStatement statement) {
        try {
            return (ParameterList) MEMBERS.parameters.get(statement);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("pgjdbc's bound parameters became inaccessible", e);
        }
    }

    /** @return the driver's result handler for {@code queries}, reporting warnings to {@code statement} */
    static BatchResultHandler handler(PgStatement statement, Query[] queries, ParameterList[] parameters) {
        try {
            return MEMBERS.handler.newInstance(statement, queries, parameters, false);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("pgjdbc's batch result handler could not be made", e);
        }
    }

    /** @return the number of results {@code handler} has seen, a failed statement included */
    static int results(BatchResultHandler handler) {
        try {
            return MEMBERS.resultIndex.getInt(handler);
        } catch (IllegalAccessException e) {
            return -1;
        }
    }
}
