package io.lockstep.postgres.testing;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.postgres.StatementTemplate;
import io.lockstep.postgres.testing.AccountsWorkload.AccountOpened;
import io.lockstep.postgres.testing.AccountsWorkload.FundsDeposited;
import io.lockstep.postgres.testing.AccountsWorkload.FundsWithdrawn;
import io.lockstep.projection.Envelope;
import io.lockstep.projection.Projection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;

/** The accounts read model written with jOOQ: one statement per event, or one per touched account per batch. */
public final class AccountsProjection {

    public static final Table<Record> ACCOUNT_BALANCE = table(name("account_balance"));
    public static final Field<String> ACCOUNT_ID = field(name("account_id"), String.class);
    public static final Field<Long> BALANCE = field(name("balance"), Long.class);
    public static final Field<Long> EVENTS = field(name("events"), Long.class);

    private AccountsProjection() {}

    /** One jOOQ statement per event, written the natural way. */
    public static Projection<PostgresTransaction> perEvent(String name) {
        return Projection.<PostgresTransaction>builder(name)
                .on(AccountOpened.class, (e, env, tx) -> open(e, tx))
                .on(FundsDeposited.class, (e, env, tx) -> credit(tx, e.accountId(), e.amount()))
                .on(FundsWithdrawn.class, (e, env, tx) -> credit(tx, e.accountId(), -e.amount()))
                .build();
    }

    static final StatementTemplate OPEN =
            StatementTemplate.of(DSL.insertInto(ACCOUNT_BALANCE, ACCOUNT_ID, BALANCE, EVENTS)
                    .values(
                            DSL.param("accountId", String.class),
                            DSL.param("balance", Long.class),
                            DSL.param("events", Long.class)));
    static final StatementTemplate CREDIT = StatementTemplate.of(DSL.update(ACCOUNT_BALANCE)
            .set(BALANCE, BALANCE.plus(DSL.param("delta", Long.class)))
            .set(EVENTS, EVENTS.plus(DSL.param("events", Long.class)))
            .where(ACCOUNT_ID.eq(DSL.param("accountId", String.class))));

    /** One statement per event, each a jOOQ statement rendered once ({@link StatementTemplate}). */
    public static Projection<PostgresTransaction> templated(String name) {
        return Projection.<PostgresTransaction>builder(name)
                .on(AccountOpened.class, (e, env, tx) -> tx.execute(OPEN, e.accountId(), e.initialDeposit(), 1L))
                .on(FundsDeposited.class, (e, env, tx) -> tx.execute(CREDIT, e.amount(), 1L, e.accountId()))
                .on(FundsWithdrawn.class, (e, env, tx) -> tx.execute(CREDIT, -e.amount(), 1L, e.accountId()))
                .build();
    }

    /** Folds each batch in memory, then writes each touched account once (with statement templates). */
    public static Projection<PostgresTransaction> folded(String name) {
        return Projection.<PostgresTransaction>builder(name)
                .onBatch(AccountsProjection::applyFolded)
                .build();
    }

    /** Inserts the account's row. */
    public static void open(AccountOpened e, PostgresTransaction tx) {
        tx.dsl()
                .insertInto(ACCOUNT_BALANCE, ACCOUNT_ID, BALANCE, EVENTS)
                .values(e.accountId(), e.initialDeposit(), 1L)
                .execute();
    }

    /** Adds {@code delta} cents to the account's balance and counts the event. */
    public static void credit(PostgresTransaction tx, String accountId, long delta) {
        tx.dsl()
                .update(ACCOUNT_BALANCE)
                .set(BALANCE, BALANCE.plus(delta))
                .set(EVENTS, EVENTS.plus(1))
                .where(ACCOUNT_ID.eq(accountId))
                .execute();
    }

    private static void applyFolded(List<Envelope> batch, PostgresTransaction tx) throws java.sql.SQLException {
        Map<String, Long> opened = new LinkedHashMap<>();
        Map<String, long[]> changes = new HashMap<>();
        for (Envelope envelope : batch) {
            switch (envelope.event()) {
                case AccountOpened e -> opened.put(e.accountId(), e.initialDeposit());
                case FundsDeposited e -> add(changes, e.accountId(), e.amount());
                case FundsWithdrawn e -> add(changes, e.accountId(), -e.amount());
                default -> {}
            }
        }
        for (Map.Entry<String, Long> open : opened.entrySet()) {
            long[] change = changes.remove(open.getKey());
            long delta = change == null ? 0 : change[0];
            long count = change == null ? 0 : change[1];
            tx.execute(OPEN, open.getKey(), open.getValue() + delta, 1 + count);
        }
        for (Map.Entry<String, long[]> change : changes.entrySet()) {
            tx.execute(CREDIT, change.getValue()[0], change.getValue()[1], change.getKey());
        }
    }

    private static void add(Map<String, long[]> changes, String accountId, long delta) {
        long[] change = changes.computeIfAbsent(accountId, id -> new long[2]);
        change[0] += delta;
        change[1]++;
    }
}
