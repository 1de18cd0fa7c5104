package io.lockstep.postgres;

import java.sql.Connection;
import java.util.Objects;
import org.jooq.DSLContext;

/**
 * The transaction context PostgreSQL handlers receive: a jOOQ {@link DSLContext} and the JDBC
 * {@link Connection} of the batch's transaction. Valid only during the handler call; never keep it.
 *
 * <p>In the default {@link io.lockstep.projection.StatementMode#BATCHED} mode both send consecutive
 * identical write statements as one JDBC batch and flush it before any read or different statement, so a
 * handler always reads its own and earlier handlers' writes; but a queued write's {@code execute()}
 * returns 0 rows. A projection whose handlers act on row counts chooses
 * {@code statementMode(StatementMode.IMMEDIATE)}.
 *
 * <p>The transaction belongs to the runner: {@code commit()}, {@code rollback()}, {@code close()} and
 * {@code setAutoCommit} on {@link #connection()} throw. {@code dsl().transaction(...)} in a handler runs as
 * a savepoint inside the batch.
 */
public final class PostgresTransaction {

    private final DSLContext dsl;
    private final Connection connection;
    private final Connection unbatched;

    PostgresTransaction(DSLContext dsl, Connection connection, Connection unbatched) {
        this.dsl = Objects.requireNonNull(dsl, "dsl");
        this.connection = Objects.requireNonNull(connection, "connection");
        this.unbatched = Objects.requireNonNull(unbatched, "unbatched");
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
     * Executes {@code template} with {@code values} on the batch's connection: batched like any other write
     * in {@link io.lockstep.projection.StatementMode#BATCHED} mode, at once in IMMEDIATE mode.
     *
     * @return the row count (0 while the statement is queued in BATCHED mode)
     * @throws IllegalArgumentException when the number of values does not match the template's parameters
     * @throws java.sql.SQLException    when the database refuses the statement
     */
    public int execute(StatementTemplate template, Object... values) throws java.sql.SQLException {
        template.checkArity(values);
        try (java.sql.PreparedStatement statement = connection.prepareStatement(template.sql())) {
            for (int i = 0; i < values.length; i++) {
                statement.setObject(i + 1, values[i]);
            }
            return statement.executeUpdate();
        }
    }

    /** The physical connection, for statements whose row count must be read at once (the checkpoint). */
    Connection unbatched() {
        return unbatched;
    }
}
