package io.lockstep.postgres.bench;

import io.lockstep.postgres.bench.LiveWorkload.AccountClosed;
import io.lockstep.postgres.bench.LiveWorkload.AccountOpened;
import io.lockstep.postgres.bench.LiveWorkload.FundsDeposited;
import io.lockstep.postgres.bench.LiveWorkload.FundsWithdrawn;
import io.lockstep.projection.Envelope;
import java.lang.reflect.Constructor;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.CachedQuery;
import org.postgresql.core.Oid;
import org.postgresql.core.ParameterList;
import org.postgresql.core.Query;
import org.postgresql.core.QueryExecutor;
import org.postgresql.jdbc.BatchResultHandler;
import org.postgresql.jdbc.PgStatement;
import org.postgresql.util.ByteConverter;

/**
 * Diagnostic contenders (not run by default): the ways plain JDBC can send a batch's statements in event
 * order when consecutive events need different statements, measured to choose how Lockstep sends them.
 * Each keeps the event order, so each is right for any read model:
 * <ul>
 *   <li>{@code jdbc-runs}: consecutive identical statements share one {@code executeBatch} (what Lockstep's
 *       batched mode did with jOOQ's batched connection);</li>
 *   <li>{@code jdbc-inline-batch}: values inlined, {@code Statement.addBatch(sql)} per statement, one
 *       {@code executeBatch} (also what jOOQ's batch of different queries does);</li>
 *   <li>{@code jdbc-multi-statement}: the batch's statements joined by {@code ;} into one prepared
 *       statement with every value bound;</li>
 *   <li>{@code jdbc-pipeline}: pgjdbc's query executor, given the batch's different prepared queries with
 *       their parameters at once, as its {@code executeBatch} does for one query (internal API).</li>
 * </ul>
 */
final class PipelineOptions {

    static final String RUNS = "jdbc-runs";
    static final String INLINE = "jdbc-inline-batch";
    static final String MULTI_STATEMENT = "jdbc-multi-statement";
    static final String PIPELINE = "jdbc-pipeline";

    private PipelineOptions() {}

    /** One statement and its values: a String or a Long each. */
    private record Bound(String sql, Object[] values) {}

    private static List<Bound> statements(List<Envelope> batch) {
        List<Bound> out = new ArrayList<>(batch.size());
        for (Envelope envelope : batch) {
            switch (envelope.event()) {
                case AccountOpened e ->
                    out.add(new Bound(JdbcReplay.OPEN, new Object[] {e.accountId(), e.owner(), e.initialDeposit()}));
                case FundsDeposited e ->
                    out.add(new Bound(JdbcReplay.DEPOSIT, new Object[] {e.amount(), e.accountId()}));
                case FundsWithdrawn e ->
                    out.add(new Bound(JdbcReplay.WITHDRAW, new Object[] {e.amount(), e.accountId()}));
                case AccountClosed e -> out.add(new Bound(JdbcReplay.CLOSE, new Object[] {e.accountId()}));
                default -> {}
            }
        }
        return out;
    }

    /** {@code jdbc-runs}. */
    static final class Runs extends JdbcReplay {
        Runs(DataSource dataSource, int batchSize) {
            super(RUNS, dataSource, batchSize);
        }

        @Override
        void write(Connection connection, List<Envelope> batch) throws SQLException {
            try (Statements statements = Statements.prepare(connection)) {
                PreparedStatement pending = null;
                for (Envelope envelope : batch) {
                    PreparedStatement statement = statements.bind(envelope.event());
                    if (pending != null && pending != statement) {
                        pending.executeBatch();
                    }
                    statement.addBatch();
                    pending = statement;
                }
                pending.executeBatch();
            }
        }
    }

    /** {@code jdbc-inline-batch}. */
    static final class Inline extends JdbcReplay {
        Inline(DataSource dataSource, int batchSize) {
            super(INLINE, dataSource, batchSize);
        }

        @Override
        void write(Connection connection, List<Envelope> batch) throws SQLException {
            try (Statement statement = connection.createStatement()) {
                for (Bound bound : statements(batch)) {
                    statement.addBatch(inline(bound));
                }
                statement.executeBatch();
            }
        }

        private static String inline(Bound bound) {
            StringBuilder sql = new StringBuilder(bound.sql().length() + 32);
            int value = 0;
            for (char c : bound.sql().toCharArray()) {
                if (c != '?') {
                    sql.append(c);
                } else if (bound.values()[value++] instanceof String text) {
                    sql.append('\'').append(text.replace("'", "''")).append('\'');
                } else {
                    sql.append(bound.values()[value - 1]);
                }
            }
            return sql.toString();
        }
    }

    /** {@code jdbc-multi-statement}. */
    static final class MultiStatement extends JdbcReplay {
        MultiStatement(DataSource dataSource, int batchSize) {
            super(MULTI_STATEMENT, dataSource, batchSize);
        }

        @Override
        void write(Connection connection, List<Envelope> batch) throws SQLException {
            List<Bound> all = statements(batch);
            StringBuilder sql = new StringBuilder();
            for (Bound bound : all) {
                sql.append(bound.sql()).append(';');
            }
            try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
                int index = 1;
                for (Bound bound : all) {
                    for (Object value : bound.values()) {
                        statement.setObject(index++, value);
                    }
                }
                statement.execute();
            }
        }
    }

    /** {@code jdbc-pipeline}: named server-side statements, cached by the connection. */
    static final class Pipeline extends JdbcReplay {
        private static final Constructor<BatchResultHandler> HANDLER = handlerConstructor();

        Pipeline(DataSource dataSource, int batchSize) {
            super(PIPELINE, dataSource, batchSize);
        }

        private static Constructor<BatchResultHandler> handlerConstructor() {
            try {
                Constructor<BatchResultHandler> constructor = BatchResultHandler.class.getDeclaredConstructor(
                        PgStatement.class, Query[].class, ParameterList[].class, boolean.class);
                constructor.setAccessible(true);
                return constructor;
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @Override
        void write(Connection connection, List<Envelope> batch) throws SQLException {
            QueryExecutor executor = connection.unwrap(BaseConnection.class).getQueryExecutor();
            List<Bound> all = statements(batch);
            Query[] queries = new Query[all.size()];
            ParameterList[] parameters = new ParameterList[all.size()];
            Map<String, CachedQuery> borrowed = new HashMap<>();
            try (Statement statement = connection.createStatement()) {
                for (int i = 0; i < all.size(); i++) {
                    CachedQuery cached = borrowed.get(all.get(i).sql());
                    if (cached == null) {
                        cached = executor.borrowQuery(all.get(i).sql());
                        borrowed.put(all.get(i).sql(), cached);
                    }
                    queries[i] = cached.query;
                    parameters[i] = bind(cached.query, all.get(i).values());
                }
                BatchResultHandler handler =
                        HANDLER.newInstance(statement.unwrap(PgStatement.class), queries, parameters, false);
                executor.execute(queries, parameters, handler, 0, 0, QueryExecutor.QUERY_NO_RESULTS);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            } finally {
                borrowed.values().forEach(executor::releaseQuery);
            }
        }

        /** Binds as pgjdbc's setString (varchar) and setLong (binary int8) do. */
        private static ParameterList bind(Query query, Object[] values) throws SQLException {
            ParameterList list = query.createParameterList();
            for (int i = 0; i < values.length; i++) {
                if (values[i] instanceof String text) {
                    list.setStringParameter(i + 1, text, Oid.VARCHAR);
                } else {
                    byte[] bytes = new byte[8];
                    ByteConverter.int8(bytes, 0, (Long) values[i]);
                    list.setBinaryParameter(i + 1, bytes, Oid.INT8);
                }
            }
            return list;
        }
    }
}
