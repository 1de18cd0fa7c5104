package io.lockstep.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.DeferredStatementException;
import io.lockstep.projection.EventApplyException;
import io.lockstep.projection.InMemoryEventSource;
import io.lockstep.projection.LockstepException;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionError;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.RetryPolicy;
import io.lockstep.projection.StatementMode;
import io.lockstep.projection.StepResult;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Row counts that holding statements back does not hide: a statement declared with {@link ExpectedRows}
 * that affects other rows fails the event whose handler issued it, with the statement and the count, in
 * both statement modes; and a held-back statement that fails is charged to its own event too.
 */
class ExpectedRowsTest {

    record Opened(String id) {}

    record Credited(String id, long amount) {}

    record Peeked(String id) {}

    enum Api {
        TEMPLATE,
        DSL,
        JDBC
    }

    private static final Table<Record> BALANCES = table(name("balances"));
    private static final Field<String> ID = field(name("id"), String.class);
    private static final Field<Long> AMOUNT = field(name("amount"), Long.class);
    private static final String CREDIT_SQL = "UPDATE balances SET amount = amount + ? WHERE id = ?";
    private static final StatementTemplate CREDIT = StatementTemplate.of(DSL.update(BALANCES)
            .set(AMOUNT, AMOUNT.plus(DSL.param("amount", Long.class)))
            .where(ID.eq(DSL.param("id", String.class))));
    private static final StatementTemplate OPEN = StatementTemplate.of(
            DSL.insertInto(BALANCES, ID, AMOUNT).values(DSL.param("id", String.class), DSL.inline(0L)));
    private static final StatementTemplate PEEK =
            StatementTemplate.of(DSL.select(AMOUNT).from(BALANCES).where(ID.eq(DSL.param("id", String.class))));
    /** The events: four accounts, credits and reads; the credit at {@link #GHOST} names no account. */
    private static final int GHOST = 9;

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass();

    static PostgresProjectionStore store;
    InMemoryEventSource source;

    @BeforeAll
    static void createTables() {
        store = PostgresProjectionStore.builder(db.dataSource()).build();
        db.execute("CREATE TABLE balances (id text PRIMARY KEY, amount bigint NOT NULL)");
    }

    @BeforeEach
    void seedEvents() {
        db.execute("TRUNCATE balances", "TRUNCATE lockstep.checkpoints, lockstep.dead_letters");
        source = new InMemoryEventSource();
        for (String id : List.of("a", "b", "c", "d")) {
            source.append(id, new Opened(id));
        }
        for (int i = 0; i < 5; i++) {
            source.append("a", new Credited(List.of("a", "b", "c", "d").get(i % 4), 10));
        }
        source.append("ghost", new Credited("ghost", 10)); // position 9
        for (int i = 0; i < 5; i++) {
            source.append("b", new Credited("b", 1));
            source.append("b", new Peeked("b")); // a read sends what is held back: the ghost's credit among it
        }
    }

    private static Projection<PostgresTransaction> credits(
            String name, StatementMode mode, Api api, ExpectedRows expected) {
        return Projection.<PostgresTransaction>builder(name)
                .on(Opened.class, (e, env, tx) -> tx.execute(OPEN, e.id()))
                .on(Credited.class, (e, env, tx) -> credit(tx, api, expected, e))
                .on(Peeked.class, (e, env, tx) -> tx.fetch(PEEK, e.id()))
                .statementMode(mode)
                .build();
    }

    /** @return the row count the execution returned */
    private static int credit(PostgresTransaction tx, Api api, ExpectedRows expected, Credited e) throws SQLException {
        return switch (api) {
            case TEMPLATE -> tx.execute(expected, CREDIT, e.amount(), e.id());
            case DSL ->
                tx.execute(
                        expected,
                        tx.dsl()
                                .update(BALANCES)
                                .set(AMOUNT, AMOUNT.plus(e.amount()))
                                .where(ID.eq(e.id())));
            case JDBC -> {
                try (PreparedStatement statement = tx.connection().prepareStatement(CREDIT_SQL)) {
                    statement.setLong(1, e.amount());
                    statement.setString(2, e.id());
                    yield tx.executeUpdate(expected, statement);
                }
            }
        };
    }

    private ProjectionRunner runner(Projection<PostgresTransaction> projection) {
        return ProjectionRunner.builder(projection, store, source)
                .batchSize(100)
                .retryPolicy(new RetryPolicy(2, Duration.ZERO, Duration.ZERO))
                .build();
    }

    @Nested
    class Declaring {

        @Test
        void describesTheRangeInWords() {
            assertThat(ExpectedRows.exactly(1)).hasToString("exactly 1 row");
            assertThat(ExpectedRows.atLeast(2)).hasToString("at least 2 rows");
            assertThat(ExpectedRows.atMost(3)).hasToString("at most 3 rows");
            assertThat(new ExpectedRows(1, 4)).hasToString("between 1 and 4 rows");
            assertThat(ExpectedRows.exactly(1).matches(1)).isTrue();
            assertThat(ExpectedRows.exactly(1).matches(0)).isFalse();
            assertThat(ExpectedRows.atLeast(1).matches(7)).isTrue();
        }

        @Test
        void refusesARangeThatMakesNoSenseNamingTheValues() {
            assertThatThrownBy(() -> ExpectedRows.exactly(-1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-1..-1");
            assertThatThrownBy(() -> new ExpectedRows(3, 2))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("3..2");
        }
    }

    @Nested
    class WhenTheRowsDiffer {

        @ParameterizedTest(name = "{0}")
        @EnumSource(Api.class)
        void theBatchedModeChargesTheEventThatIssuedTheStatementThoughALaterReadSentIt(Api api) {
            // given
            ProjectionRunner runner =
                    runner(credits("batched-" + api, StatementMode.BATCHED, api, ExpectedRows.exactly(1)));

            // when: the first attempt of the batch, before any isolation
            StepResult first = runner.step();

            // then
            assertThat(first).isInstanceOf(StepResult.Retrying.class);
            Throwable failure = ((StepResult.Retrying) first).cause();
            assertThat(failure).isInstanceOf(EventApplyException.class);
            assertThat(((EventApplyException) failure).envelope().position()).isEqualTo(GHOST);
            assertThat(failure)
                    .hasCauseInstanceOf(DeferredStatementException.class)
                    .hasRootCauseInstanceOf(UnexpectedRowCountException.class);
            assertThat(failure.getCause().getCause())
                    .hasMessageContaining("affected 0 rows, expected exactly 1 row")
                    .hasMessageContaining("ghost");
            assertThat(db.queryLong("SELECT count(*) FROM balances")).isZero();
        }

        @ParameterizedTest(name = "{0}")
        @EnumSource(StatementMode.class)
        void isolationStopsAtThatEventAfterCommittingTheEventsBeforeIt(StatementMode mode) {
            for (Api api : Api.values()) {
                // given
                String name = "isolated-" + mode + "-" + api;
                ProjectionRunner runner = runner(credits(name, mode, api, ExpectedRows.exactly(1)));

                // when
                assertThatThrownBy(runner::catchUp).isInstanceOf(LockstepException.class);

                // then
                ProjectionError error = runner.status().lastError().orElseThrow();
                assertThat(error.position()).as(name).isEqualTo(GHOST);
                UnexpectedRowCountException count = (UnexpectedRowCountException) error.cause();
                assertThat(count.actual()).isZero();
                assertThat(count.expected()).isEqualTo(ExpectedRows.exactly(1));
                assertThat(count.statement()).contains("ghost").containsIgnoringCase("update");
                assertThat(store.checkpoints().getCheckpoint(name)).isEqualTo(GHOST - 1);
                assertThat(db.queryLong("SELECT sum(amount) FROM balances")).isEqualTo(50);
                db.execute("TRUNCATE balances");
            }
        }
    }

    @Nested
    class WhenTheRowsMatch {

        @ParameterizedTest(name = "{0}")
        @EnumSource(StatementMode.class)
        void everyEventCommitsAndHeldBackStatementsStillReadZeroRows(StatementMode mode) throws Exception {
            source.append("e", new Credited("e", 1)); // after the ghost; "at most 1 row" lets both through
            for (Api api : Api.values()) {
                // given
                List<Integer> counts = new ArrayList<>();
                Projection<PostgresTransaction> projection = Projection.<PostgresTransaction>builder("ok-" + mode + api)
                        .on(Opened.class, (e, env, tx) -> tx.execute(OPEN, e.id()))
                        .on(Credited.class, (e, env, tx) -> counts.add(countedCredit(tx, api, e)))
                        .statementMode(mode)
                        .build();

                // when
                long checkpoint = runner(projection).catchUp();

                // then
                assertThat(checkpoint).isEqualTo(source.headPosition());
                assertThat(db.queryLong("SELECT sum(amount) FROM balances")).isEqualTo(55);
                assertThat(counts).hasSize(12).containsOnly(mode == StatementMode.BATCHED ? 0 : 1, 0);
                db.execute("TRUNCATE balances");
            }
        }

        private static int countedCredit(PostgresTransaction tx, Api api, Credited e) throws SQLException {
            int count = credit(tx, api, ExpectedRows.atMost(1), e);
            tx.dsl().fetchValue("SELECT 1"); // a read in between sends what is held back
            return count;
        }
    }

    @Nested
    class HeldBackFailures {

        @Test
        void aHeldBackStatementThatFailsIsChargedToItsOwnEventWithTheStatement() {
            // given: the ghost's credit inserts a second row for "a", which violates the primary key; a later
            // event's read sends it
            Projection<PostgresTransaction> duplicate = Projection.<PostgresTransaction>builder("duplicate")
                    .on(Opened.class, (e, env, tx) -> tx.execute(OPEN, e.id()))
                    .on(
                            Credited.class,
                            (e, env, tx) -> tx.execute(
                                    e.id().equals("ghost") ? OPEN : CREDIT,
                                    e.id().equals("ghost") ? new Object[] {"a"} : new Object[] {e.amount(), e.id()}))
                    .on(Peeked.class, (e, env, tx) -> tx.fetch(PEEK, e.id()))
                    .build();
            ProjectionRunner runner = runner(duplicate);

            // when
            StepResult first = runner.step();

            // then
            Throwable failure = ((StepResult.Retrying) first).cause();
            assertThat(((EventApplyException) failure).envelope().position()).isEqualTo(GHOST);
            assertThat(failure.getCause())
                    .isInstanceOf(DeferredStatementException.class)
                    .hasMessageContaining("insert into")
                    .hasMessageContaining("'a'");
            assertThat(((SQLException) failure.getCause().getCause()).getSQLState())
                    .isEqualTo("23505");
        }
    }
}
