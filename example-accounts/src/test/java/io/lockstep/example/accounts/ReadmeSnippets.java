package io.lockstep.example.accounts;

import static io.lockstep.example.accounts.readmodel.jooq.Tables.ACCOUNT_BALANCE;

import io.lockstep.example.accounts.domain.AccountEvent.FundsDeposited;
import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.projection.Projection;

/** Smaller README snippets, compiled here; {@link ReadmeExampleTest} keeps the README equal to them. */
final class ReadmeSnippets {

    private ReadmeSnippets() {}

    static Projection<PostgresTransaction> perEvent() {
        return
        // spotless:off
        // README example: start
        Projection.<PostgresTransaction>builder("deposits")
                .on(FundsDeposited.class, (event, envelope, tx) -> tx.dsl().update(ACCOUNT_BALANCE)
                        .set(ACCOUNT_BALANCE.BALANCE, ACCOUNT_BALANCE.BALANCE.plus(event.amount()))
                        .where(ACCOUNT_BALANCE.ACCOUNT_ID.eq(event.accountId())).execute())
                .build();
        // README example: end
        // spotless:on
    }
}
