package io.lockstep.postgres;

import static io.lockstep.postgres.testing.AccountsProjection.ACCOUNT_BALANCE;
import static io.lockstep.postgres.testing.AccountsProjection.ACCOUNT_ID;
import static io.lockstep.postgres.testing.AccountsProjection.BALANCE;
import static io.lockstep.postgres.testing.AccountsProjection.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.postgres.testing.AccountsProjection;
import io.lockstep.postgres.testing.AccountsWorkload;
import io.lockstep.postgres.testing.TableEventSource;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.StatementMode;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class StatementTemplateTest {

    /** Adds {@code delta} (a Long) to the balance of account {@code accountId} (a String). */
    private static final StatementTemplate CREDIT = StatementTemplate.of(DSL.update(ACCOUNT_BALANCE)
            .set(BALANCE, BALANCE.plus(DSL.param("delta", Long.class)))
            .where(ACCOUNT_ID.eq(DSL.param("accountId", String.class))));

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(4);

    @BeforeAll
    static void createTables() {
        AccountsWorkload.seed(db, 30, 3_000);
    }

    @Test
    void rendersOnceWithItsParametersInBindOrder() {
        assertThat(CREDIT.parameters()).containsExactly("delta", "accountId");
        assertThat(CREDIT.sql()).contains("?").doesNotContain("delta");
    }

    @Test
    void refusesAParameterNameUsedTwice() {
        assertThatThrownBy(() -> StatementTemplate.of(DSL.update(ACCOUNT_BALANCE)
                        .set(BALANCE, DSL.param("x", Long.class))
                        .set(EVENTS, DSL.param("x", Long.class))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("give every parameter its own name");
    }

    @Test
    void refusesTheWrongNumberOfValuesNamingTheParameters() {
        PostgresProjectionStore store =
                PostgresProjectionStore.builder(db.dataSource()).build();

        assertThatThrownBy(() -> store.inTransaction(StatementMode.IMMEDIATE, tx -> tx.execute(CREDIT, 5L)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("takes 2 values [delta, accountId] but got 1");
    }

    @Test
    void refusesSwappedValuesOfDifferentTypesBeforeSendingAnything() {
        // given: a template whose parameters are a Long and a String
        PostgresProjectionStore store =
                PostgresProjectionStore.builder(db.dataSource()).build();
        long before = db.queryLong("SELECT coalesce(sum(balance), 0) FROM account_balance");

        // when: the values come in the wrong order, in both statement modes
        for (StatementMode mode : StatementMode.values()) {
            assertThatThrownBy(() -> store.inTransaction(mode, tx -> tx.execute(CREDIT, "account-1", 5L)))
                    // then
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("value 1 for parameter 'delta' must be a Long but is the String account-1")
                    .hasMessageContaining("[delta, accountId]");
        }
        assertThat(db.queryLong("SELECT coalesce(sum(balance), 0) FROM account_balance"))
                .isEqualTo(before);
        assertThat(CREDIT.parameterTypes()).containsExactly(Long.class, String.class);
    }

    @Test
    void bindsByNameSoTwoValuesOfTheSameKindLandInTheirOwnParametersWhateverTheOrder() {
        // given: a template with two String parameters, which positional values could swap unnoticed
        PostgresProjectionStore store =
                PostgresProjectionStore.builder(db.dataSource()).build();
        db.execute("INSERT INTO account_balance (account_id, balance, events) VALUES ('named-from', 0, 0)");
        StatementTemplate rename = StatementTemplate.of(DSL.update(ACCOUNT_BALANCE)
                .set(ACCOUNT_ID, DSL.param("to", String.class))
                .where(ACCOUNT_ID.eq(DSL.param("from", String.class))));

        // when: bound by name, in the opposite order of the statement's parameters, in both modes
        for (StatementMode mode : java.util.List.of(StatementMode.IMMEDIATE, StatementMode.BATCHED)) {
            String from = mode == StatementMode.BATCHED ? "named-middle" : "named-from";
            String to = mode == StatementMode.BATCHED ? "named-to" : "named-middle";
            store.inTransaction(
                    mode, tx -> tx.execute(rename.bind().set("from", from).set("to", to)));
        }

        // then
        assertThat(rename.parameters()).containsExactly("to", "from");
        assertThat(db.queryLong("SELECT count(*) FROM account_balance WHERE account_id = 'named-to'"))
                .isEqualTo(1);
        assertThat(db.queryLong("SELECT count(*) FROM account_balance WHERE account_id LIKE 'named-%'"))
                .isEqualTo(1);
    }

    @Test
    void refusesAnUnknownARepeatedAndAMissingNameBeforeSendingAnything() {
        PostgresProjectionStore store =
                PostgresProjectionStore.builder(db.dataSource()).build();
        long before = db.queryLong("SELECT coalesce(sum(balance), 0) FROM account_balance");

        assertThatThrownBy(() -> CREDIT.bind().set("amount", 5L))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no parameter 'amount'")
                .hasMessageContaining("[delta, accountId]");
        assertThatThrownBy(() -> CREDIT.bind().set("delta", 5L).set("delta", 6L))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'delta' is bound twice");
        for (StatementMode mode : StatementMode.values()) {
            assertThatThrownBy(() -> store.inTransaction(
                            mode, tx -> tx.execute(CREDIT.bind().set("delta", 5L))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("[accountId] are not bound");
            assertThatThrownBy(() -> store.inTransaction(
                            mode,
                            tx -> tx.execute(
                                    CREDIT.bind().set("delta", "account-1").set("accountId", "x"))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("parameter 'delta' must be a Long but is bound to the String account-1");
        }
        assertThat(db.queryLong("SELECT coalesce(sum(balance), 0) FROM account_balance"))
                .isEqualTo(before);
    }

    @Test
    void acceptsNullsAndNarrowerIntegersAndReportsRefusalsUnchecked() {
        PostgresProjectionStore store =
                PostgresProjectionStore.builder(db.dataSource()).build();
        StatementTemplate broken = StatementTemplate.of(DSL.insertInto(ACCOUNT_BALANCE)
                .columns(ACCOUNT_ID, BALANCE, EVENTS)
                .values(
                        DSL.param("accountId", String.class),
                        DSL.param("balance", Long.class),
                        DSL.param("events", Long.class)));

        // an Integer for a Long parameter and a null for a String one bind; a refused statement (balance is NOT NULL)
        // throws jOOQ's unchecked exception
        int updated = store.inTransaction(StatementMode.IMMEDIATE, tx -> tx.execute(CREDIT, 5, null));
        assertThat(updated).isZero();
        assertThatThrownBy(() -> store.inTransaction(StatementMode.IMMEDIATE, tx -> tx.execute(broken, "x", null, 1L)))
                .isInstanceOf(org.jooq.exception.DataAccessException.class)
                .hasMessageContaining(broken.sql())
                .hasRootCauseInstanceOf(java.sql.SQLException.class);
    }

    @Test
    void templatedAndFoldedHandlersBuildTheSameReadModelAsTheDsl() throws Exception {
        PostgresProjectionStore store =
                PostgresProjectionStore.builder(db.dataSource()).build();
        TableEventSource source = new TableEventSource(db.dataSource(), AccountsWorkload.TYPES);

        ProjectionRunner.builder(AccountsProjection.templated("templated"), store, source)
                .batchSize(250)
                .build()
                .catchUp();
        assertThat(AccountsWorkload.mismatches(db.dataSource())).isEmpty();

        db.execute("TRUNCATE account_balance");
        ProjectionRunner.builder(AccountsProjection.folded("folded"), store, source)
                .batchSize(250)
                .build()
                .catchUp();
        assertThat(AccountsWorkload.mismatches(db.dataSource())).isEmpty();
    }
}
