package io.lockstep.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import io.lockstep.postgres.testing.AccountsProjection;
import io.lockstep.postgres.testing.AccountsWorkload;
import io.lockstep.postgres.testing.AccountsWorkload.AccountOpened;
import io.lockstep.postgres.testing.AccountsWorkload.FundsDeposited;
import io.lockstep.postgres.testing.TableEventSource;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.CheckpointKey;
import io.lockstep.projection.FailurePolicy;
import io.lockstep.projection.LockstepException;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionError;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.RetryPolicy;
import io.lockstep.projection.StepResult;
import io.lockstep.projection.TransientStoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresProjectionRunnerTest {

    private static final RetryPolicy FAST_RETRIES = new RetryPolicy(2, Duration.ZERO, Duration.ZERO);
    private static final int ACCOUNTS = 50;
    private static final int EVENTS = 2_000;

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass();

    static PostgresProjectionStore store;
    static TableEventSource source;

    @BeforeAll
    static void createTables() {
        store = PostgresProjectionStore.builder(db.dataSource()).build();
        source = new TableEventSource(db.dataSource(), AccountsWorkload.TYPES);
        AccountsWorkload.seed(db, ACCOUNTS, EVENTS);
    }

    @BeforeEach
    void emptyTheReadModel() {
        db.execute("TRUNCATE account_balance", "TRUNCATE lockstep.checkpoints, lockstep.dead_letters");
    }

    private static ProjectionRunner runner(Projection<PostgresTransaction> projection, int batchSize) {
        return ProjectionRunner.builder(projection, store, source)
                .batchSize(batchSize)
                .retryPolicy(FAST_RETRIES)
                .build();
    }

    @Nested
    class Applying {

        @Test
        void commitsEveryEventOnceWithTheCheckpoint() throws Exception {
            // given
            ProjectionRunner runner = runner(AccountsProjection.perEvent("balances"), 300);

            // when
            long checkpoint = runner.catchUp();

            // then
            assertThat(checkpoint).isEqualTo(EVENTS - 1);
            assertThat(store.checkpoints().getCheckpoint("balances")).isEqualTo(EVENTS - 1);
            assertThat(AccountsWorkload.mismatches(db.dataSource())).isEmpty();
            assertThat(runner.status().state()).isEqualTo(ProjectionState.LIVE);
            assertThat(runner.status().lagEvents()).isZero();
            assertThat(runner.status().eventsProcessed()).isEqualTo(EVENTS);
        }

        @Test
        void aBatchHandlerThatFoldsInMemoryBuildsTheSameReadModel() throws Exception {
            // given
            ProjectionRunner runner = runner(AccountsProjection.folded("balances-folded"), 300);

            // when
            runner.catchUp();

            // then
            assertThat(AccountsWorkload.mismatches(db.dataSource())).isEmpty();
        }

        @Test
        void handlersReadTheirOwnAndEarlierHandlersWritesWithinABatch() throws Exception {
            // given: each handler inserts a row, then counts the rows; batched statements must be flushed first
            db.execute("CREATE TABLE IF NOT EXISTS seen (position bigint)", "TRUNCATE seen");
            List<Integer> counts = new ArrayList<>();
            Projection<PostgresTransaction> counting = Projection.<PostgresTransaction>builder("counting")
                    .on(FundsDeposited.class, (e, env, tx) -> {
                        tx.dsl()
                                .insertInto(table(name("seen")), field(name("position")))
                                .values(env.position())
                                .execute();
                        counts.add(tx.dsl().fetchCount(table(name("seen"))));
                    })
                    .build();
            ProjectionRunner runner = runner(counting, 500);

            // when
            runner.catchUp();

            // then
            assertThat(counts).isNotEmpty();
            for (int i = 0; i < counts.size(); i++) {
                assertThat(counts.get(i))
                        .as("row count seen by handler call %d", i)
                        .isEqualTo(i + 1);
            }
        }

        @Test
        void passesOverEventsWithoutAHandlerButMovesTheCheckpoint() throws Exception {
            // given
            Projection<PostgresTransaction> onlyOpenings = Projection.<PostgresTransaction>builder("openings")
                    .on(AccountOpened.class, (e, env, tx) -> {})
                    .build();

            // when
            long checkpoint = runner(onlyOpenings, 1000).catchUp();

            // then
            assertThat(checkpoint).isEqualTo(EVENTS - 1);
        }

        @Test
        void keepsTheCheckpointOfATenantApartFromOtherTenants() throws Exception {
            // given
            ProjectionRunner acme = ProjectionRunner.builder(
                            AccountsProjection.perEvent("tenant-balances"), store, source)
                    .tenant("acme")
                    .build();

            // when
            acme.catchUp();

            // then
            assertThat(store.checkpoints().forTenant("acme").getCheckpoint("tenant-balances"))
                    .isEqualTo(EVENTS - 1);
            assertThat(store.checkpoints().getCheckpoint("tenant-balances")).isEqualTo(-1);
            assertThat(acme.key()).isEqualTo(new CheckpointKey("acme", "tenant-balances"));
        }
    }

    @Nested
    class Failing {

        private static final long POISON = 1234;

        private Projection<PostgresTransaction> poisoned(String name, FailurePolicy policy) {
            return Projection.<PostgresTransaction>builder(name)
                    .on(AccountOpened.class, (e, env, tx) -> AccountsProjection.open(e, tx))
                    .on(FundsDeposited.class, (e, env, tx) -> {
                        if (env.position() == POISON) {
                            throw new IllegalStateException("cannot apply deposit " + e);
                        }
                        AccountsProjection.credit(tx, e.accountId(), e.amount());
                    })
                    .on(
                            AccountsWorkload.FundsWithdrawn.class,
                            (e, env, tx) -> AccountsProjection.credit(tx, e.accountId(), -e.amount()))
                    .failurePolicy(policy)
                    .build();
        }

        @Test
        void stopLeavesExactlyTheEffectsOfTheEventsBeforeThePoisonEvent() {
            // given
            assertThat(db.queryLong("SELECT count(*) FROM test_events WHERE position = " + POISON
                            + " AND event_type = 'FundsDeposited'"))
                    .isOne();
            ProjectionRunner runner = runner(poisoned("stopping", FailurePolicy.stop()), 500);

            // when / then
            assertThatThrownBy(runner::catchUp)
                    .isInstanceOf(LockstepException.class)
                    .hasMessageContaining("position " + POISON);
            assertThat(store.checkpoints().getCheckpoint("stopping")).isEqualTo(POISON - 1);
            assertThat(AccountsWorkload.mismatches(db.dataSource(), "position < " + POISON))
                    .isEmpty();
            assertThat(runner.status().state()).isEqualTo(ProjectionState.FAILED);
            ProjectionError error = runner.status().lastError().orElseThrow();
            assertThat(error.position()).isEqualTo(POISON);
            assertThat(error.eventType()).isEqualTo("FundsDeposited");
            assertThat(error.cause()).isInstanceOf(IllegalStateException.class);
            assertThat(runner.step()).isInstanceOf(StepResult.Failed.class);
        }

        @Test
        void skipRecordsADeadLetterAndAppliesEverythingElse() throws Exception {
            // given
            ProjectionRunner runner = runner(poisoned("skipping", FailurePolicy.skip()), 500);

            // when
            long checkpoint = runner.catchUp();

            // then
            assertThat(checkpoint).isEqualTo(EVENTS - 1);
            assertThat(AccountsWorkload.mismatches(db.dataSource(), "position <> " + POISON))
                    .isEmpty();
            assertThat(db.queryLong("SELECT position FROM lockstep.dead_letters WHERE projection = 'skipping'"
                            + " AND event_type = 'FundsDeposited' AND error_class = 'java.lang.IllegalStateException'"
                            + " AND error_message LIKE 'cannot apply deposit%'"))
                    .isEqualTo(POISON);
            assertThat(db.queryLong("SELECT count(*) FROM lockstep.dead_letters"))
                    .isOne();
        }

        @Test
        void aFailingStatementIsPinnedToItsEventEvenWhenBatchedStatementsSurfaceItLater() {
            // given: re-opening an existing account violates the primary key at POISON; in batched mode the
            // failure only surfaces when the batch of inserts is flushed
            Projection<PostgresTransaction> duplicateInsert = Projection.<PostgresTransaction>builder("duplicates")
                    .on(AccountOpened.class, (e, env, tx) -> AccountsProjection.open(e, tx))
                    .on(FundsDeposited.class, (e, env, tx) -> {
                        if (env.position() == POISON) {
                            AccountsProjection.open(new AccountOpened(e.accountId(), 0), tx);
                        }
                    })
                    .build();
            ProjectionRunner runner = runner(duplicateInsert, 500);

            // when
            assertThatThrownBy(runner::catchUp).isInstanceOf(LockstepException.class);

            // then
            assertThat(runner.status().lastError().orElseThrow().position()).isEqualTo(POISON);
            assertThat(store.checkpoints().getCheckpoint("duplicates")).isEqualTo(POISON - 1);
        }

        @Test
        void aBrokenConnectionIsRetriedAndNeverMakesTheEventPoison() throws Exception {
            // given: the handler kills its own database session three times; one attempt is all a poison
            // event gets, so counting these failures against the event would stop the projection
            AtomicInteger kills = new AtomicInteger();
            Projection<PostgresTransaction> killing = Projection.<PostgresTransaction>builder("killing")
                    .on(AccountOpened.class, (e, env, tx) -> AccountsProjection.open(e, tx))
                    .on(FundsDeposited.class, (e, env, tx) -> {
                        if (env.position() == POISON && kills.getAndIncrement() < 3) {
                            tx.dsl().execute("SELECT pg_terminate_backend(pg_backend_pid())");
                        }
                        AccountsProjection.credit(tx, e.accountId(), e.amount());
                    })
                    .on(
                            AccountsWorkload.FundsWithdrawn.class,
                            (e, env, tx) -> AccountsProjection.credit(tx, e.accountId(), -e.amount()))
                    .build();
            ProjectionRunner runner = ProjectionRunner.builder(killing, store, source)
                    .batchSize(500)
                    .retryPolicy(new RetryPolicy(1, Duration.ZERO, Duration.ZERO))
                    .build();

            // when
            long checkpoint = runner.catchUp();

            // then
            assertThat(kills).hasValue(4);
            assertThat(checkpoint).isEqualTo(EVENTS - 1);
            assertThat(AccountsWorkload.mismatches(db.dataSource())).isEmpty();
            assertThat(runner.status().state()).isEqualTo(ProjectionState.LIVE);
            assertThat(runner.status().lastError()).isEmpty();
            assertThat(runner.status().errorHistory())
                    .first()
                    .satisfies(resolved ->
                            assertThat(resolved.error().cause()).isInstanceOf(TransientStoreException.class));
        }
    }

    @Nested
    class Racing {

        @Test
        void aRunnerWhoseCheckpointMovedUnderItRollsBackAndThenResumes() {
            // given: two runners of one projection, taking turns
            ProjectionRunner first = runner(AccountsProjection.perEvent("turns"), 100);
            ProjectionRunner second = runner(AccountsProjection.perEvent("turns"), 100);
            assertThat(first.step()).isInstanceOf(StepResult.Committed.class);
            assertThat(second.step()).isEqualTo(new StepResult.Committed(99, 199, 100));
            long rowsBefore = db.queryLong("SELECT sum(events) FROM account_balance");

            // when: the first still believes the checkpoint is 99
            StepResult stale = first.step();

            // then
            assertThat(stale).isInstanceOf(StepResult.Conflict.class);
            assertThat(db.queryLong("SELECT sum(events) FROM account_balance")).isEqualTo(rowsBefore);
            assertThat(first.step()).isEqualTo(new StepResult.Committed(199, 299, 100));
            assertThat(db.queryLong("SELECT sum(events) FROM account_balance")).isEqualTo(300);
        }
    }
}
