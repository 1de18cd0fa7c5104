package io.lockstep.postgres.bench;

import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.postgres.StatementTemplate;
import io.lockstep.postgres.eventlog.EventTypes;
import io.lockstep.postgres.testing.AccountsWorkload.AccountOpened;
import io.lockstep.postgres.testing.AccountsWorkload.FundsDeposited;
import io.lockstep.postgres.testing.AccountsWorkload.FundsWithdrawn;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.Projection;
import org.jooq.impl.DSL;

/** The scale-out benchmark's workload: the accounts events in the event log, and the templated accounts projection. */
final class ScaleOutBench {

    static final EventTypes TYPES = EventTypes.builder()
            .register("AccountOpened", AccountOpened.class)
            .register("FundsDeposited", FundsDeposited.class)
            .register("FundsWithdrawn", FundsWithdrawn.class)
            .build();

    private static final StatementTemplate OPEN = StatementTemplate.of(DSL.insertInto(
                    DSL.table("account_balance"), DSL.field("account_id"), DSL.field("balance"), DSL.field("events"))
            .values(
                    DSL.param("accountId", String.class),
                    DSL.param("balance", Long.class),
                    DSL.param("events", Long.class)));
    private static final StatementTemplate CREDIT = StatementTemplate.of(DSL.update(DSL.table("account_balance"))
            .set(
                    DSL.field("balance", Long.class),
                    DSL.field("balance", Long.class).plus(DSL.param("delta", Long.class)))
            .set(
                    DSL.field("events", Long.class),
                    DSL.field("events", Long.class).plus(DSL.inline(1L)))
            .where(DSL.field("account_id", String.class).eq(DSL.param("accountId", String.class))));

    private ScaleOutBench() {}

    /** The accounts projection of the replay benchmark (one templated statement per event), with a reset handler. */
    static Projection<PostgresTransaction> projection(String name) {
        return Projection.<PostgresTransaction>builder(name)
                .on(AccountOpened.class, (e, env, tx) -> tx.execute(OPEN, e.accountId(), e.initialDeposit(), 1L))
                .on(FundsDeposited.class, (e, env, tx) -> tx.execute(CREDIT, e.amount(), e.accountId()))
                .on(FundsWithdrawn.class, (e, env, tx) -> tx.execute(CREDIT, -e.amount(), e.accountId()))
                .onReset(tx -> tx.dsl().execute("TRUNCATE account_balance"))
                .build();
    }

    /**
     * Appends the accounts workload to the event log the way a live system does: accounts opened first, then
     * deposits and withdrawals on pseudo-random accounts, each stream in version order.
     */
    static void seed(TestDatabase db, int accounts, int events) {
        db.execute(
                "CREATE TABLE IF NOT EXISTS account_balance (account_id text PRIMARY KEY, balance bigint NOT NULL,"
                        + " events bigint NOT NULL) WITH (fillfactor = 50)",
                "INSERT INTO lockstep.events (stream_id, stream_version, event_type, payload)"
                        + " SELECT 'acc-' || g, 0, 'AccountOpened', jsonb_build_object('accountId', 'acc-' || g,"
                        + " 'initialDeposit', 1000) FROM generate_series(0, " + (accounts - 1) + ") g",
                "INSERT INTO lockstep.events (stream_id, stream_version, event_type, payload)"
                        + " SELECT 'acc-' || a, 1 + g, CASE WHEN g % 4 = 0 THEN 'FundsWithdrawn' ELSE 'FundsDeposited' END,"
                        + " jsonb_build_object('accountId', 'acc-' || a, 'amount', 1 + (g * 7919) % 1000)"
                        + " FROM (SELECT g, (g * 2654435761) % " + accounts + " AS a FROM generate_series("
                        + accounts + ", " + (events - 1) + ") g) s",
                "ANALYZE lockstep.events");
    }
}
