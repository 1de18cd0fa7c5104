package io.lockstep.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import org.jooq.Transaction;
import org.jooq.TransactionContext;
import org.jooq.TransactionProvider;
import org.jooq.exception.DataAccessException;

/**
 * jOOQ's transactions inside a batch: {@code tx.dsl().transaction(...)} in a handler sets a savepoint, and
 * commits or rolls back to it, instead of ending the batch's transaction. Stateless.
 */
final class SavepointTransactions implements TransactionProvider {

    static final SavepointTransactions INSTANCE = new SavepointTransactions();

    private SavepointTransactions() {}

    /** The savepoint of one nested jOOQ transaction. */
    private record Nested(Savepoint savepoint) implements Transaction {}

    @Override
    public void begin(TransactionContext ctx) {
        try {
            ctx.transaction(new Nested(connection(ctx).setSavepoint()));
        } catch (SQLException e) {
            throw new DataAccessException("could not set a savepoint for a handler's nested transaction", e);
        }
    }

    @Override
    public void commit(TransactionContext ctx) {
        try {
            connection(ctx).releaseSavepoint(((Nested) ctx.transaction()).savepoint());
        } catch (SQLException e) {
            throw new DataAccessException("could not release a handler's savepoint", e);
        }
    }

    @Override
    public void rollback(TransactionContext ctx) {
        try {
            connection(ctx).rollback(((Nested) ctx.transaction()).savepoint());
        } catch (SQLException e) {
            throw new DataAccessException("could not roll back to a handler's savepoint", e);
        }
    }

    /** The context's own connection: in batched mode the batching one, so pending statements flush first. */
    private static Connection connection(TransactionContext ctx) {
        return ctx.configuration().connectionProvider().acquire();
    }
}
