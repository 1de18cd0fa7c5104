package io.lockstep.example.accounts.readmodel;

import static io.lockstep.example.accounts.readmodel.jooq.Tables.ACCOUNT_BALANCE;
import static io.lockstep.example.accounts.readmodel.jooq.Tables.OWNER_SUMMARY;

import io.lockstep.example.accounts.domain.DatabaseUnavailable;
import io.lockstep.example.accounts.readmodel.jooq.tables.records.AccountBalanceRecord;
import io.lockstep.example.accounts.readmodel.jooq.tables.records.OwnerSummaryRecord;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * Reads the read models (the query side). A read the database cannot serve for a passing reason (unreachable,
 * a lock or statement timeout) fails with {@link DatabaseUnavailable}. Blocking (JDBC): call it off the event
 * loop. Thread-safe.
 */
public final class ReadModels {

    private final DSLContext dsl;

    public ReadModels(DataSource dataSource) {
        this.dsl = DSL.using(dataSource, SQLDialect.POSTGRES);
    }

    /** @return the account's row, or empty when the projection has not seen it (yet) */
    public Optional<AccountView> account(String accountId) {
        return read(() -> dsl.selectFrom(ACCOUNT_BALANCE)
                .where(ACCOUNT_BALANCE.ACCOUNT_ID.eq(accountId))
                .fetchOptional()
                .map(ReadModels::view));
    }

    /** @return the owner's row, or empty when the projection has not seen the owner (yet) */
    public Optional<OwnerView> owner(String owner) {
        return read(() -> dsl.selectFrom(OWNER_SUMMARY)
                .where(OWNER_SUMMARY.OWNER.eq(owner))
                .fetchOptional()
                .map(ReadModels::view));
    }

    /** @return every account row, by id */
    public List<AccountView> accounts() {
        return read(() -> dsl.selectFrom(ACCOUNT_BALANCE)
                .orderBy(ACCOUNT_BALANCE.ACCOUNT_ID)
                .fetch(ReadModels::view));
    }

    /** @return every owner row, by owner */
    public List<OwnerView> owners() {
        return read(
                () -> dsl.selectFrom(OWNER_SUMMARY).orderBy(OWNER_SUMMARY.OWNER).fetch(ReadModels::view));
    }

    private static <T> T read(Supplier<T> query) {
        try {
            return query.get();
        } catch (RuntimeException e) {
            throw DatabaseUnavailable.classify(e);
        }
    }

    private static AccountView view(AccountBalanceRecord row) {
        return new AccountView(
                row.getAccountId(),
                row.getOwner(),
                row.getBalance(),
                row.getTransactions(),
                row.getClosed(),
                row.getLastPosition(),
                row.getLastUpdatedAt().toInstant().toString());
    }

    private static OwnerView view(OwnerSummaryRecord row) {
        return new OwnerView(
                row.getOwner(),
                row.getOpenAccounts(),
                row.getTotalBalance(),
                row.getLastPosition(),
                row.getLastUpdatedAt().toInstant().toString());
    }
}
