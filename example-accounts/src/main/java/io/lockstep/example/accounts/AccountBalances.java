package io.lockstep.example.accounts;

import static io.lockstep.example.accounts.AccountTables.ACCOUNT_BALANCE;
import static io.lockstep.example.accounts.AccountTables.ACCOUNT_ID;
import static io.lockstep.example.accounts.AccountTables.BALANCE;
import static io.lockstep.example.accounts.AccountTables.CLOSED;
import static io.lockstep.example.accounts.AccountTables.LAST_POSITION;
import static io.lockstep.example.accounts.AccountTables.OWNER;
import static io.lockstep.example.accounts.AccountTables.TRANSACTIONS;

import io.lockstep.example.accounts.AccountEvent.AccountClosed;
import io.lockstep.example.accounts.AccountEvent.AccountCreated;
import io.lockstep.example.accounts.AccountEvent.FundsDeposited;
import io.lockstep.example.accounts.AccountEvent.FundsWithdrawn;
import io.lockstep.migrations.LockstepMigrations;
import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.projection.EventSource;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionStatus;
import javax.sql.DataSource;

/**
 * The {@code account_balance} projection and how to run it. The block between the "README example"
 * markers is quoted verbatim in README.md ({@code ReadmeExampleTest} keeps the two equal).
 */
final class AccountBalances {

    private AccountBalances() {
    }

    /** Defines the projection, migrates Lockstep's tables and projects every event of {@code events}. */
    static ProjectionStatus project(DataSource dataSource, EventSource events) throws InterruptedException {
        // README example: start
        Projection<PostgresTransaction> balances = Projection.<PostgresTransaction>builder("account-balances")
                .version(1)
                .on(AccountCreated.class, (event, envelope, tx) -> tx.dsl()
                        .insertInto(ACCOUNT_BALANCE, ACCOUNT_ID, OWNER, BALANCE, TRANSACTIONS, LAST_POSITION)
                        .values(event.accountId(), event.owner(), event.initialDeposit(), 1, envelope.position())
                        .execute())
                .on(FundsDeposited.class, (event, envelope, tx) ->
                        credit(tx, event.accountId(), event.amount(), envelope.position()))
                .on(FundsWithdrawn.class, (event, envelope, tx) ->
                        credit(tx, event.accountId(), -event.amount(), envelope.position()))
                .on(AccountClosed.class, (event, envelope, tx) -> tx.dsl().update(ACCOUNT_BALANCE)
                        .set(CLOSED, true).set(LAST_POSITION, envelope.position())
                        .where(ACCOUNT_ID.eq(event.accountId())).execute())
                .build();

        LockstepMigrations.migrate(dataSource);          // Lockstep's own tables, schema "lockstep"
        PostgresProjectionStore store = PostgresProjectionStore.builder(dataSource).build();
        try (ProjectionRunner runner = ProjectionRunner.builder(balances, store, events).build()) {
            runner.catchUp();                            // or start(): a loop on its own thread until stop()
            return runner.status();                      // state, checkpoint, lag, last error
        }
        // README example: end
    }

    private static void credit(PostgresTransaction tx, String accountId, long delta, long position) {
        tx.dsl().update(ACCOUNT_BALANCE)
                .set(BALANCE, BALANCE.plus(delta))
                .set(TRANSACTIONS, TRANSACTIONS.plus(1))
                .set(LAST_POSITION, position)
                .where(ACCOUNT_ID.eq(accountId))
                .execute();
    }
}
