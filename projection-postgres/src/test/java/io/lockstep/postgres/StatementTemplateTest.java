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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StatementTemplateTest {

    static TestDatabase db;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create(4);
        AccountsWorkload.seed(db, 30, 3_000);
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @Test
    void rendersOnceWithItsParametersInBindOrder() {
        // when
        StatementTemplate credit = StatementTemplate.of(DSL.update(ACCOUNT_BALANCE)
                .set(BALANCE, BALANCE.plus(DSL.param("delta", Long.class)))
                .where(ACCOUNT_ID.eq(DSL.param("accountId", String.class))));

        // then
        assertThat(credit.parameters()).containsExactly("delta", "accountId");
        assertThat(credit.sql()).contains("?").doesNotContain("delta");
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
        PostgresProjectionStore store = PostgresProjectionStore.builder(db.dataSource()).build();
        StatementTemplate credit = StatementTemplate.of(DSL.update(ACCOUNT_BALANCE)
                .set(BALANCE, BALANCE.plus(DSL.param("delta", Long.class)))
                .where(ACCOUNT_ID.eq(DSL.param("accountId", String.class))));

        assertThatThrownBy(() -> store.inTransaction(StatementMode.IMMEDIATE, tx -> tx.execute(credit, 5L)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("takes 2 values [delta, accountId] but got 1");
    }

    @Test
    void templatedAndFoldedHandlersBuildTheSameReadModelAsTheDsl() throws Exception {
        PostgresProjectionStore store = PostgresProjectionStore.builder(db.dataSource()).build();
        TableEventSource source = new TableEventSource(db.dataSource(), AccountsWorkload.TYPES);

        ProjectionRunner.builder(AccountsProjection.templated("templated"), store, source).batchSize(250).build()
                .catchUp();
        assertThat(AccountsWorkload.mismatches(db.dataSource())).isEmpty();

        db.execute("TRUNCATE account_balance");
        ProjectionRunner.builder(AccountsProjection.folded("folded"), store, source).batchSize(250).build()
                .catchUp();
        assertThat(AccountsWorkload.mismatches(db.dataSource())).isEmpty();
    }
}
