package io.lockstep.postgres.bench;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.param;
import static org.jooq.impl.DSL.table;

import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.postgres.StatementTemplate;
import io.lockstep.postgres.bench.LiveWorkload.AccountClosed;
import io.lockstep.postgres.bench.LiveWorkload.AccountOpened;
import io.lockstep.postgres.bench.LiveWorkload.FundsDeposited;
import io.lockstep.postgres.bench.LiveWorkload.FundsWithdrawn;
import io.lockstep.projection.Envelope;
import io.lockstep.projection.Projection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;

/**
 * The live workload's read model written through Lockstep, each the way a user would: jOOQ DSL built per
 * event, jOOQ statements rendered once ({@link StatementTemplate}), plain JDBC on {@code tx.connection()},
 * and a batch handler that folds in memory. The per-event forms issue the same statements as the JDBC
 * baselines.
 */
final class LiveProjections {

    static final Table<Record> ACCOUNT_BALANCE = table(name("account_balance"));
    static final Field<String> ACCOUNT_ID = field(name("account_id"), String.class);
    static final Field<String> OWNER = field(name("owner"), String.class);
    static final Field<Long> BALANCE = field(name("balance"), Long.class);
    static final Field<Long> EVENTS = field(name("events"), Long.class);
    static final Field<Boolean> CLOSED = field(name("closed"), Boolean.class);

    static final StatementTemplate OPEN =
            StatementTemplate.of(DSL.insertInto(ACCOUNT_BALANCE, ACCOUNT_ID, OWNER, BALANCE, EVENTS, CLOSED)
                    .values(
                            param("accountId", String.class),
                            param("owner", String.class),
                            param("balance", Long.class),
                            DSL.inline(1L),
                            DSL.inline(false)));
    static final StatementTemplate DEPOSIT = StatementTemplate.of(DSL.update(ACCOUNT_BALANCE)
            .set(BALANCE, BALANCE.plus(param("amount", Long.class)))
            .set(EVENTS, EVENTS.plus(DSL.inline(1L)))
            .where(ACCOUNT_ID.eq(param("accountId", String.class))));
    static final StatementTemplate WITHDRAW = StatementTemplate.of(DSL.update(ACCOUNT_BALANCE)
            .set(BALANCE, BALANCE.minus(param("amount", Long.class)))
            .set(EVENTS, EVENTS.plus(DSL.inline(1L)))
            .where(ACCOUNT_ID.eq(param("accountId", String.class))));
    static final StatementTemplate CLOSE = StatementTemplate.of(DSL.update(ACCOUNT_BALANCE)
            .set(CLOSED, DSL.inline(true))
            .set(EVENTS, EVENTS.plus(DSL.inline(1L)))
            .where(ACCOUNT_ID.eq(param("accountId", String.class))));
    static final StatementTemplate UPSERT =
            StatementTemplate.of(DSL.insertInto(ACCOUNT_BALANCE, ACCOUNT_ID, OWNER, BALANCE, EVENTS, CLOSED)
                    .values(
                            param("accountId", String.class),
                            param("owner", String.class),
                            param("balance", Long.class),
                            param("events", Long.class),
                            param("closed", Boolean.class))
                    .onConflict(ACCOUNT_ID)
                    .doUpdate()
                    .set(BALANCE, stored(BALANCE).plus(DSL.excluded(BALANCE)))
                    .set(EVENTS, stored(EVENTS).plus(DSL.excluded(EVENTS)))
                    .set(CLOSED, DSL.field(DSL.condition(stored(CLOSED)).or(DSL.excluded(CLOSED)))));

    private LiveProjections() {}

    /** @return {@code column} of the stored row, qualified: ON CONFLICT also sees {@code excluded} */
    private static <T> Field<T> stored(Field<T> column) {
        return field(name("account_balance", column.getName()), column.getType());
    }

    /** One jOOQ statement built per event, the natural way. */
    static Projection<PostgresTransaction> dsl(String name) {
        return Projection.<PostgresTransaction>builder(name)
                .on(
                        AccountOpened.class,
                        (e, env, tx) -> tx.dsl()
                                .insertInto(ACCOUNT_BALANCE, ACCOUNT_ID, OWNER, BALANCE, EVENTS, CLOSED)
                                .values(e.accountId(), e.owner(), e.initialDeposit(), 1L, false)
                                .execute())
                .on(
                        FundsDeposited.class,
                        (e, env, tx) -> tx.dsl()
                                .update(ACCOUNT_BALANCE)
                                .set(BALANCE, BALANCE.plus(e.amount()))
                                .set(EVENTS, EVENTS.plus(1))
                                .where(ACCOUNT_ID.eq(e.accountId()))
                                .execute())
                .on(
                        FundsWithdrawn.class,
                        (e, env, tx) -> tx.dsl()
                                .update(ACCOUNT_BALANCE)
                                .set(BALANCE, BALANCE.minus(e.amount()))
                                .set(EVENTS, EVENTS.plus(1))
                                .where(ACCOUNT_ID.eq(e.accountId()))
                                .execute())
                .on(
                        AccountClosed.class,
                        (e, env, tx) -> tx.dsl()
                                .update(ACCOUNT_BALANCE)
                                .set(CLOSED, true)
                                .set(EVENTS, EVENTS.plus(1))
                                .where(ACCOUNT_ID.eq(e.accountId()))
                                .execute())
                .build();
    }

    /** One statement per event, each a jOOQ statement rendered once. */
    static Projection<PostgresTransaction> templated(String name) {
        return Projection.<PostgresTransaction>builder(name)
                .on(AccountOpened.class, (e, env, tx) -> tx.execute(OPEN, e.accountId(), e.owner(), e.initialDeposit()))
                .on(FundsDeposited.class, (e, env, tx) -> tx.execute(DEPOSIT, e.amount(), e.accountId()))
                .on(FundsWithdrawn.class, (e, env, tx) -> tx.execute(WITHDRAW, e.amount(), e.accountId()))
                .on(AccountClosed.class, (e, env, tx) -> tx.execute(CLOSE, e.accountId()))
                .build();
    }

    /**
     * Like {@link #templated}, with one statement for credits and debits: a withdrawal is a deposit of the
     * negative amount. The shape advice of the README is measured with it.
     */
    static Projection<PostgresTransaction> templatedOneUpdate(String name) {
        return Projection.<PostgresTransaction>builder(name)
                .on(AccountOpened.class, (e, env, tx) -> tx.execute(OPEN, e.accountId(), e.owner(), e.initialDeposit()))
                .on(FundsDeposited.class, (e, env, tx) -> tx.execute(DEPOSIT, e.amount(), e.accountId()))
                .on(FundsWithdrawn.class, (e, env, tx) -> tx.execute(DEPOSIT, -e.amount(), e.accountId()))
                .on(AccountClosed.class, (e, env, tx) -> tx.execute(CLOSE, e.accountId()))
                .build();
    }

    /** Plain JDBC on the batch's connection: prepare, bind, executeUpdate, per event. */
    static Projection<PostgresTransaction> jdbc(String name) {
        return Projection.<PostgresTransaction>builder(name)
                .on(AccountOpened.class, (e, env, tx) -> {
                    try (PreparedStatement statement = tx.connection().prepareStatement(JdbcReplay.OPEN)) {
                        statement.setString(1, e.accountId());
                        statement.setString(2, e.owner());
                        statement.setLong(3, e.initialDeposit());
                        statement.executeUpdate();
                    }
                })
                .on(FundsDeposited.class, (e, env, tx) -> update(tx, JdbcReplay.DEPOSIT, e.amount(), e.accountId()))
                .on(FundsWithdrawn.class, (e, env, tx) -> update(tx, JdbcReplay.WITHDRAW, e.amount(), e.accountId()))
                .on(AccountClosed.class, (e, env, tx) -> {
                    try (PreparedStatement statement = tx.connection().prepareStatement(JdbcReplay.CLOSE)) {
                        statement.setString(1, e.accountId());
                        statement.executeUpdate();
                    }
                })
                .build();
    }

    /** Folds each batch in memory ({@link AccountFold}), then writes one upsert per touched account. */
    static Projection<PostgresTransaction> folded(String name) {
        return Projection.<PostgresTransaction>builder(name)
                .onBatch(LiveProjections::applyFolded)
                .build();
    }

    private static void update(PostgresTransaction tx, String sql, long amount, String accountId) throws SQLException {
        try (PreparedStatement statement = tx.connection().prepareStatement(sql)) {
            statement.setLong(1, amount);
            statement.setString(2, accountId);
            statement.executeUpdate();
        }
    }

    private static void applyFolded(List<Envelope> batch, PostgresTransaction tx) throws SQLException {
        for (AccountFold.Change change : AccountFold.fold(batch)) {
            tx.execute(UPSERT, change.accountId(), change.owner(), change.balance(), change.events(), change.closed());
        }
    }
}
