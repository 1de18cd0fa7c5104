package io.lockstep.postgres;

import io.lockstep.projection.PendingStatements;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import org.jooq.DSLContext;
import org.jooq.Query;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.exception.DataAccessException;
import org.postgresql.jdbc.PgStatement;

/**
 * The transaction context PostgreSQL handlers receive: a jOOQ {@link DSLContext} and the JDBC
 * {@link Connection} of the batch's transaction. Valid only during the handler call; never keep it.
 *
 * <p>In the default {@link io.lockstep.projection.StatementMode#BATCHED} mode, executions of INSERT, UPDATE
 * and DELETE statements (through jOOQ, a {@link StatementTemplate} or {@link #connection()}) are held back
 * and sent together, whatever their shapes, in one pipeline to the server, which runs them in the order
 * they were issued: the effects are those of running them one by one. Anything else (a query, a savepoint,
 * another kind of statement) sends what is held back first, so a handler always reads its own and earlier
 * handlers' writes. Two things differ from running them at once: a held-back execution returns 0 rows
 * (declare the rows a statement must affect with {@link ExpectedRows}, checked when it is sent), and a
 * failing statement fails when it is sent, at the next read or at the end of the batch; the runner still
 * charges it to the event whose handler issued it. A projection whose handlers act on row counts or catch
 * their own statements' failures chooses {@code statementMode(StatementMode.IMMEDIATE)}, or wraps those
 * statements in {@code tx.dsl().transaction(...)}, whose end sends them.
 *
 * <p>Failures: like jOOQ's, the methods taking a jOOQ query or a {@link StatementTemplate} throw jOOQ's
 * unchecked {@link DataAccessException} (its cause is the driver's {@link SQLException}, with the SQLState);
 * {@link #executeUpdate(ExpectedRows, PreparedStatement)}, which takes a JDBC statement the handler prepared
 * itself, keeps JDBC's checked {@link SQLException}.
 *
 * <p>The transaction belongs to the runner: {@code commit()}, {@code rollback()}, {@code close()} and
 * {@code setAutoCommit} on {@link #connection()} throw. {@code dsl().transaction(...)} in a handler runs as
 * a savepoint inside the batch.
 */
public final class PostgresTransaction {

    private final DSLContext dsl;
    private final Connection connection;
    private final Connection physical;
    private final PipelinedConnection pipelined;

    /**
     * @param connection the connection handlers use
     * @param physical   the transaction's connection itself
     * @param pipelined  {@code connection} when it holds statements back, else null
     */
    PostgresTransaction(DSLContext dsl, Connection connection, Connection physical, PipelinedConnection pipelined) {
        this.dsl = Objects.requireNonNull(dsl, "dsl");
        this.connection = Objects.requireNonNull(connection, "connection");
        this.physical = Objects.requireNonNull(physical, "physical");
        this.pipelined = pipelined;
    }

    /** @return jOOQ bound to the batch's transaction */
    public DSLContext dsl() {
        return dsl;
    }

    /** @return the batch's connection, for plain JDBC; statements through it keep their order with jOOQ's */
    public Connection connection() {
        return connection;
    }

    /**
     * Executes {@code template} with {@code values} on the batch's connection: held back like any other write
     * in {@link io.lockstep.projection.StatementMode#BATCHED} mode, at once in IMMEDIATE mode.
     *
     * @return the row count (0 while the statement is held back)
     * @throws IllegalArgumentException when the number or the types of the values do not match the template's
     *                                  parameters (see {@link StatementTemplate}); nothing was sent
     * @throws DataAccessException      when the database refuses the statement
     */
    public int execute(StatementTemplate template, Object... values) {
        template.check(values);
        return executeTemplate(null, template, values);
    }

    /**
     * Executes a template with values bound by name ({@link StatementTemplate#bind()}), like
     * {@link #execute(StatementTemplate, Object...)}.
     *
     * @throws IllegalArgumentException when a parameter is unbound or a value does not fit its type; nothing was
     *                                  sent
     */
    public int execute(TemplateBinding binding) {
        Objects.requireNonNull(binding, "binding");
        return executeTemplate(null, binding.template(), binding.values()); // values() checked them
    }

    /** Like {@link #execute(TemplateBinding)}, and the statement must affect {@code expected} rows. */
    public int execute(ExpectedRows expected, TemplateBinding binding) {
        Objects.requireNonNull(binding, "binding");
        Objects.requireNonNull(expected, "expected");
        return executeTemplate(expected, binding.template(), binding.values()); // values() checked them
    }

    /**
     * Like {@link #execute(StatementTemplate, Object...)}, and the statement must affect {@code expected}
     * rows: checked when it is sent, also when it is held back.
     *
     * @throws UnexpectedRowCountException when it ran at once and affected other rows (held back: the event
     *                                     fails when it is sent)
     */
    public int execute(ExpectedRows expected, StatementTemplate template, Object... values) {
        Objects.requireNonNull(expected, "expected");
        template.check(values);
        return executeTemplate(expected, template, values);
    }

    /**
     * Executes the jOOQ {@code query} in this transaction (it is attached to it), and the statement must
     * affect {@code expected} rows: checked when it is sent, also when it is held back.
     *
     * <pre>{@code
     * tx.execute(ExpectedRows.exactly(1), tx.dsl().update(ACCOUNT).set(...).where(ID.eq(id)));
     * }</pre>
     *
     * @return the row count (0 while the statement is held back)
     * @throws UnexpectedRowCountException when it ran at once and affected other rows
     */
    public int execute(ExpectedRows expected, Query query) {
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(query, "query");
        query.attach(dsl.configuration());
        if (pipelined == null) {
            return check(expected, query.execute(), query.toString());
        }
        pipelined.expectNext(expected);
        int count;
        boolean unused;
        try {
            count = query.execute();
        } finally {
            unused = pipelined.expectationUnused();
            pipelined.expectNext(null);
        }
        // Unused: jOOQ ran it otherwise than through a held-back execution, so the count is real.
        return unused ? check(expected, count, query.toString()) : count;
    }

    /**
     * Executes {@code statement}, prepared on {@link #connection()} with its values bound, and it must affect
     * {@code expected} rows: checked when it is sent, also when it is held back.
     *
     * @return the row count (0 while the statement is held back)
     * @throws UnexpectedRowCountException when it ran at once and affected other rows
     */
    public int executeUpdate(ExpectedRows expected, PreparedStatement statement) throws SQLException {
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(statement, "statement");
        if (statement instanceof PipelinedStatement held) {
            return (int) held.executeExpecting(expected);
        }
        return check(expected, statement.executeUpdate(), describe(statement));
    }

    /**
     * Runs the query {@code template} with {@code values} after what is held back, so it reads every earlier
     * write of the batch.
     *
     * @return its rows, read with jOOQ
     * @throws IllegalArgumentException when the values do not match the template's parameters
     * @throws DataAccessException      when the database refuses the query
     */
    public Result<Record> fetch(StatementTemplate template, Object... values) {
        template.check(values);
        return fetchChecked(template, values);
    }

    /** Like {@link #fetch(StatementTemplate, Object...)}, with values bound by name. */
    public Result<Record> fetch(TemplateBinding binding) {
        Objects.requireNonNull(binding, "binding");
        return fetchChecked(binding.template(), binding.values()); // values() checked them
    }

    private Result<Record> fetchChecked(StatementTemplate template, Object[] values) {
        try (PreparedStatement statement = connection.prepareStatement(template.sql())) {
            bind(statement, values);
            try (ResultSet rows = statement.executeQuery()) {
                return dsl.fetch(rows);
            }
        } catch (SQLException e) {
            throw refused(template, e);
        }
    }

    /** Runs {@code template} with {@code values} that were checked against its parameters. */
    private int executeTemplate(ExpectedRows expected, StatementTemplate template, Object[] values) {
        try {
            return executeChecked(expected, template, values);
        } catch (SQLException e) {
            throw refused(template, e);
        }
    }

    private static DataAccessException refused(StatementTemplate template, SQLException e) {
        return new DataAccessException("SQL [" + template.sql() + "]; " + e.getMessage(), e);
    }

    private int executeChecked(ExpectedRows expected, StatementTemplate template, Object[] values) throws SQLException {
        if (pipelined != null) {
            PooledStatement pooled = pipelined.pool().take(template.sql());
            try {
                bind(pooled.statement(), values);
                return (int) pipelined.execute(pooled, expected);
            } finally {
                pipelined.pool().giveBack(template.sql(), pooled);
            }
        }
        try (PreparedStatement statement = connection.prepareStatement(template.sql())) {
            bind(statement, values);
            int count = statement.executeUpdate();
            return expected == null ? count : check(expected, count, describe(statement));
        }
    }

    private static void bind(PreparedStatement statement, Object[] values) throws SQLException {
        for (int i = 0; i < values.length; i++) {
            statement.setObject(i + 1, values[i]);
        }
    }

    /** @return the statement's SQL with its values, as the driver shows it */
    private static String describe(PreparedStatement statement) throws SQLException {
        return statement.isWrapperFor(PgStatement.class)
                ? statement.unwrap(PgStatement.class).toString()
                : statement.toString();
    }

    private static int check(ExpectedRows expected, int count, String statement) {
        if (!expected.matches(count)) {
            throw new UnexpectedRowCountException(statement, expected, count);
        }
        return count;
    }

    /** @return the statements held back, for the runner */
    PendingStatements pending() {
        return pipelined == null ? PendingStatements.none() : pipelined;
    }

    /**
     * The transaction's connection itself, for statements whose row count must be read at once (the
     * checkpoint), after what is held back.
     */
    Connection unbatched() throws SQLException {
        if (pipelined != null) {
            pipelined.flush();
        }
        return physical;
    }
}
