package io.lockstep.example.accounts.readmodel;

import static io.lockstep.example.accounts.readmodel.jooq.Tables.ACCOUNT_BALANCE;
import static io.lockstep.example.accounts.readmodel.jooq.Tables.OWNER_SUMMARY;

import io.lockstep.example.accounts.domain.AccountEvent.AccountClosed;
import io.lockstep.example.accounts.domain.AccountEvent.AccountCreated;
import io.lockstep.example.accounts.domain.AccountEvent.FundsDeposited;
import io.lockstep.example.accounts.domain.AccountEvent.FundsWithdrawn;
import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.projection.Envelope;
import io.lockstep.projection.Projection;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;

/**
 * The {@code accounts} projection: keeps {@code account_balance} (one row per account) and
 * {@code owner_summary} (one row per owner) in step with the log. Each event updates both tables in the
 * batch's transaction, with the checkpoint, through the jOOQ classes generated from the Flyway scripts. The
 * block between the "README example" markers is quoted verbatim in README.md.
 */
public final class AccountsProjection {

    /** The projection's name: its checkpoint key, and what the API and command line call it. */
    public static final String NAME = "accounts";

    private AccountsProjection() {
    }

    /** @return the projection; replaying it deletes both tables' rows in the replay's transaction */
    public static Projection<PostgresTransaction> create() {
        // README example: start
        return Projection.<PostgresTransaction>builder(NAME)
                .version(1)
                .on(AccountCreated.class, (event, envelope, tx) -> {
                    tx.dsl().insertInto(ACCOUNT_BALANCE)
                            .set(ACCOUNT_BALANCE.ACCOUNT_ID, event.accountId())
                            .set(ACCOUNT_BALANCE.OWNER, event.owner())
                            .set(ACCOUNT_BALANCE.BALANCE, event.initialDeposit())
                            .set(ACCOUNT_BALANCE.TRANSACTIONS, 1)
                            .set(ACCOUNT_BALANCE.LAST_POSITION, envelope.position())
                            .set(ACCOUNT_BALANCE.LAST_UPDATED_AT, recorded(envelope))
                            .execute();
                    tx.dsl().insertInto(OWNER_SUMMARY)
                            .set(OWNER_SUMMARY.OWNER, event.owner())
                            .set(OWNER_SUMMARY.OPEN_ACCOUNTS, 1)
                            .set(OWNER_SUMMARY.TOTAL_BALANCE, event.initialDeposit())
                            .set(OWNER_SUMMARY.LAST_POSITION, envelope.position())
                            .set(OWNER_SUMMARY.LAST_UPDATED_AT, recorded(envelope))
                            .onConflict(OWNER_SUMMARY.OWNER).doUpdate()
                            .set(OWNER_SUMMARY.OPEN_ACCOUNTS, OWNER_SUMMARY.OPEN_ACCOUNTS.plus(1))
                            .set(OWNER_SUMMARY.TOTAL_BALANCE, OWNER_SUMMARY.TOTAL_BALANCE.plus(event.initialDeposit()))
                            .set(OWNER_SUMMARY.LAST_POSITION, envelope.position())
                            .set(OWNER_SUMMARY.LAST_UPDATED_AT, recorded(envelope))
                            .execute();
                })
                .on(FundsDeposited.class, (event, envelope, tx) ->
                        move(tx.dsl(), event.accountId(), event.amount(), envelope))
                .on(FundsWithdrawn.class, (event, envelope, tx) ->
                        move(tx.dsl(), event.accountId(), -event.amount(), envelope))
                .on(AccountClosed.class, (event, envelope, tx) -> {
                    tx.dsl().update(OWNER_SUMMARY)
                            .set(OWNER_SUMMARY.OPEN_ACCOUNTS, OWNER_SUMMARY.OPEN_ACCOUNTS.minus(1))
                            .set(OWNER_SUMMARY.LAST_POSITION, envelope.position())
                            .set(OWNER_SUMMARY.LAST_UPDATED_AT, recorded(envelope))
                            .where(OWNER_SUMMARY.OWNER.eq(ownerOf(event.accountId())))
                            .execute();
                    tx.dsl().update(ACCOUNT_BALANCE)
                            .set(ACCOUNT_BALANCE.CLOSED, true)
                            .set(ACCOUNT_BALANCE.LAST_POSITION, envelope.position())
                            .set(ACCOUNT_BALANCE.LAST_UPDATED_AT, recorded(envelope))
                            .where(ACCOUNT_BALANCE.ACCOUNT_ID.eq(event.accountId()))
                            .execute();
                })
                .onReset(tx -> {                                    // replay from -1 starts from empty tables
                    tx.dsl().deleteFrom(ACCOUNT_BALANCE).execute();
                    tx.dsl().deleteFrom(OWNER_SUMMARY).execute();
                })
                .build();
        // README example: end
    }

    /** Adds {@code delta} cents to an account and to its owner's total. */
    private static void move(DSLContext dsl, String accountId, long delta, Envelope envelope) {
        dsl.update(OWNER_SUMMARY)
                .set(OWNER_SUMMARY.TOTAL_BALANCE, OWNER_SUMMARY.TOTAL_BALANCE.plus(delta))
                .set(OWNER_SUMMARY.LAST_POSITION, envelope.position())
                .set(OWNER_SUMMARY.LAST_UPDATED_AT, recorded(envelope))
                .where(OWNER_SUMMARY.OWNER.eq(ownerOf(accountId)))
                .execute();
        dsl.update(ACCOUNT_BALANCE)
                .set(ACCOUNT_BALANCE.BALANCE, ACCOUNT_BALANCE.BALANCE.plus(delta))
                .set(ACCOUNT_BALANCE.TRANSACTIONS, ACCOUNT_BALANCE.TRANSACTIONS.plus(1))
                .set(ACCOUNT_BALANCE.LAST_POSITION, envelope.position())
                .set(ACCOUNT_BALANCE.LAST_UPDATED_AT, recorded(envelope))
                .where(ACCOUNT_BALANCE.ACCOUNT_ID.eq(accountId))
                .execute();
    }

    /** The owner of an account, as a subquery (the statement stays batchable: no round trip to look it up). */
    private static Field<String> ownerOf(String accountId) {
        return DSL.field(DSL.select(ACCOUNT_BALANCE.OWNER).from(ACCOUNT_BALANCE)
                .where(ACCOUNT_BALANCE.ACCOUNT_ID.eq(accountId)));
    }

    private static OffsetDateTime recorded(Envelope envelope) {
        return envelope.recordedAt().atOffset(ZoneOffset.UTC);
    }
}
