package io.lockstep.postgres.bench;

import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.postgres.testing.AccountsWorkload.AccountOpened;
import io.lockstep.postgres.testing.AccountsWorkload.FundsDeposited;
import io.lockstep.postgres.testing.AccountsWorkload.FundsWithdrawn;
import io.lockstep.projection.Projection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The accounts read model with per-event handlers in plain JDBC on {@link PostgresTransaction#connection()}:
 * the Lockstep runner and its statement batching without jOOQ's query building and rendering. Against
 * {@code jdbc-batch} it measures what the runner costs; against {@code lockstep-per-event}, what jOOQ costs.
 */
final class JdbcAccountsProjection {

    private JdbcAccountsProjection() {
    }

    static Projection<PostgresTransaction> perEvent(String name) {
        return Projection.<PostgresTransaction>builder(name)
                .on(AccountOpened.class, (e, env, tx) -> {
                    try (PreparedStatement insert = tx.connection().prepareStatement(JdbcReplay.INSERT)) {
                        insert.setString(1, e.accountId());
                        insert.setLong(2, e.initialDeposit());
                        insert.setLong(3, 1);
                        insert.executeUpdate();
                    }
                })
                .on(FundsDeposited.class, (e, env, tx) -> credit(tx, e.accountId(), e.amount()))
                .on(FundsWithdrawn.class, (e, env, tx) -> credit(tx, e.accountId(), -e.amount()))
                .build();
    }

    private static void credit(PostgresTransaction tx, String accountId, long delta) throws SQLException {
        try (PreparedStatement credit = tx.connection().prepareStatement(JdbcReplay.CREDIT)) {
            credit.setLong(1, delta);
            credit.setLong(2, 1);
            credit.setString(3, accountId);
            credit.executeUpdate();
        }
    }
}
