package io.lockstep.example.accounts.readmodel;

import static io.lockstep.example.accounts.readmodel.jooq.Tables.ACCOUNT_BALANCE;
import static io.lockstep.example.accounts.readmodel.jooq.Tables.OWNER_SUMMARY;

import io.lockstep.example.accounts.readmodel.BatchChanges.AccountChange;
import io.lockstep.example.accounts.readmodel.BatchChanges.OwnerChange;
import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.projection.Projection;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * The {@code accounts} projection: keeps {@code account_balance} (one row per account) and
 * {@code owner_summary} (one row per owner) in step with the log. It folds each batch in memory
 * ({@link BatchChanges}) and writes every touched row once, through the jOOQ classes generated from the
 * Flyway script, in the batch's transaction with the checkpoint. It runs in partitions: an account's row is
 * written by its stream's partition only; an owner's row by every partition that holds one of the owner's
 * accounts, in owner order (no deadlocks), adding deltas and keeping the newest position. Same-shaped
 * statements follow each other, so they travel as JDBC batches. The block between the "README example" markers
 * is quoted verbatim in README.md.
 */
public final class AccountsProjection {

    /** The projection's name: its checkpoint key, and what the API and command line call it. */
    public static final String NAME = "accounts";

    private AccountsProjection() {}

    /** @return the projection; replaying it deletes both tables' rows in the replay's transaction */
    public static Projection<PostgresTransaction> create() {
        // spotless:off
        // README example: start
        return Projection.<PostgresTransaction>builder(NAME)
                .version(1)
                .onBatch((batch, tx) -> {
                    BatchChanges changes = BatchChanges.fold(batch, accounts -> ownersOf(tx.dsl(), accounts));
                    changes.accounts().stream().filter(account -> account.opened)
                            .forEach(account -> insert(tx.dsl(), account));
                    changes.accounts().stream().filter(account -> !account.opened)
                            .forEach(account -> update(tx.dsl(), account));
                    changes.owners().forEach(owner -> upsert(tx.dsl(), owner));
                })
                .onReset(tx -> {                                    // replay from -1 starts from empty tables
                    tx.dsl().deleteFrom(ACCOUNT_BALANCE).execute();
                    tx.dsl().deleteFrom(OWNER_SUMMARY).execute();
                })
                .build();
        // README example: end
        // spotless:on
    }

    private static Map<String, String> ownersOf(DSLContext dsl, Set<String> accountIds) {
        return dsl.select(ACCOUNT_BALANCE.ACCOUNT_ID, ACCOUNT_BALANCE.OWNER)
                .from(ACCOUNT_BALANCE)
                .where(ACCOUNT_BALANCE.ACCOUNT_ID.in(accountIds))
                .fetchMap(ACCOUNT_BALANCE.ACCOUNT_ID, ACCOUNT_BALANCE.OWNER);
    }

    private static void insert(DSLContext dsl, AccountChange account) {
        dsl.insertInto(ACCOUNT_BALANCE)
                .set(ACCOUNT_BALANCE.ACCOUNT_ID, account.accountId)
                .set(ACCOUNT_BALANCE.OWNER, account.owner)
                .set(ACCOUNT_BALANCE.BALANCE, account.balanceDelta)
                .set(ACCOUNT_BALANCE.TRANSACTIONS, account.transactions)
                .set(ACCOUNT_BALANCE.CLOSED, account.closed)
                .set(ACCOUNT_BALANCE.LAST_POSITION, account.lastPosition)
                .set(ACCOUNT_BALANCE.LAST_UPDATED_AT, utc(account.lastUpdatedAt))
                .execute();
    }

    private static void update(DSLContext dsl, AccountChange account) {
        dsl.update(ACCOUNT_BALANCE)
                .set(ACCOUNT_BALANCE.BALANCE, ACCOUNT_BALANCE.BALANCE.plus(account.balanceDelta))
                .set(ACCOUNT_BALANCE.TRANSACTIONS, ACCOUNT_BALANCE.TRANSACTIONS.plus(account.transactions))
                .set(ACCOUNT_BALANCE.CLOSED, DSL.greatest(ACCOUNT_BALANCE.CLOSED, DSL.val(account.closed)))
                .set(ACCOUNT_BALANCE.LAST_POSITION, account.lastPosition)
                .set(ACCOUNT_BALANCE.LAST_UPDATED_AT, utc(account.lastUpdatedAt))
                .where(ACCOUNT_BALANCE.ACCOUNT_ID.eq(account.accountId))
                .execute();
    }

    private static void upsert(DSLContext dsl, OwnerChange owner) {
        dsl.insertInto(OWNER_SUMMARY)
                .set(OWNER_SUMMARY.OWNER, owner.owner)
                .set(OWNER_SUMMARY.OPEN_ACCOUNTS, owner.openAccountsDelta)
                .set(OWNER_SUMMARY.TOTAL_BALANCE, owner.balanceDelta)
                .set(OWNER_SUMMARY.LAST_POSITION, owner.lastPosition)
                .set(OWNER_SUMMARY.LAST_UPDATED_AT, utc(owner.lastUpdatedAt))
                .onConflict(OWNER_SUMMARY.OWNER)
                .doUpdate()
                .set(OWNER_SUMMARY.OPEN_ACCOUNTS, OWNER_SUMMARY.OPEN_ACCOUNTS.plus(owner.openAccountsDelta))
                .set(OWNER_SUMMARY.TOTAL_BALANCE, OWNER_SUMMARY.TOTAL_BALANCE.plus(owner.balanceDelta))
                // Partitions commit in any order: keep the newest event's position and time.
                .set(
                        OWNER_SUMMARY.LAST_POSITION,
                        DSL.greatest(OWNER_SUMMARY.LAST_POSITION, DSL.val(owner.lastPosition)))
                .set(
                        OWNER_SUMMARY.LAST_UPDATED_AT,
                        DSL.when(OWNER_SUMMARY.LAST_POSITION.lt(owner.lastPosition), DSL.val(utc(owner.lastUpdatedAt)))
                                .otherwise(OWNER_SUMMARY.LAST_UPDATED_AT))
                .execute();
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
