package io.lockstep.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lockstep.migrations.LockstepMigrations;
import io.lockstep.postgres.testing.AccountsProjection;
import io.lockstep.postgres.testing.AccountsWorkload;
import io.lockstep.postgres.testing.AccountsWorkload.AccountOpened;
import io.lockstep.postgres.testing.AccountsWorkload.FundsDeposited;
import io.lockstep.postgres.testing.AccountsWorkload.FundsWithdrawn;
import io.lockstep.postgres.testing.GatedDataSource;
import io.lockstep.postgres.testing.TableEventSource;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.EventHandler;
import io.lockstep.projection.FailurePolicy;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.RetryPolicy;
import io.lockstep.projection.TransientStoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PostgreSQL failures sorted by whose fault they are: the SQLStates of the environment are retried and never
 * dead-lettered even under a skip policy with one attempt, those of an event reach the failure policy, a failure
 * that its own connection shares is the environment's, and the store's lock and statement timeouts turn a stuck
 * batch into a STALLED one.
 */
class FailureClassificationTest {

    private static final int EVENTS = 1_000;
    private static final long FAILING = 501;
    private static final RetryPolicy ONE_ATTEMPT = new RetryPolicy(1, Duration.ofMillis(10), Duration.ofMillis(100));
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(6);

    static TableEventSource source;
    final List<ProjectionRunner> runners = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void createTables() {
        source = new TableEventSource(db.dataSource(), AccountsWorkload.TYPES);
        AccountsWorkload.seed(db, 50, EVENTS);
    }

    @BeforeEach
    void emptyTheReadModel() {
        db.execute("TRUNCATE account_balance", "TRUNCATE lockstep.checkpoints, lockstep.dead_letters");
    }

    @AfterEach
    void stopRunners() {
        runners.forEach(ProjectionRunner::stop);
    }

    /** The accounts projection whose deposit handler runs {@code atFailing} first at position {@link #FAILING}. */
    private static Projection<PostgresTransaction> accounts(
            String name, EventHandler<FundsDeposited, PostgresTransaction> atFailing) {
        return Projection.<PostgresTransaction>builder(name)
                .on(AccountOpened.class, (e, env, tx) -> AccountsProjection.open(e, tx))
                .on(FundsDeposited.class, (e, env, tx) -> {
                    if (env.position() == FAILING) {
                        atFailing.handle(e, env, tx);
                    }
                    AccountsProjection.credit(tx, e.accountId(), e.amount());
                })
                .on(FundsWithdrawn.class, (e, env, tx) -> AccountsProjection.credit(tx, e.accountId(), -e.amount()))
                .failurePolicy(FailurePolicy.skip())
                .build();
    }

    private ProjectionRunner runner(Projection<PostgresTransaction> projection, PostgresProjectionStore store) {
        ProjectionRunner runner = ProjectionRunner.builder(projection, store, source)
                .batchSize(200)
                .retryPolicy(ONE_ATTEMPT)
                .idleWait(Duration.ofMillis(50))
                .headRefresh(Duration.ofMillis(100))
                .build();
        runners.add(runner);
        return runner;
    }

    private static PostgresProjectionStore store() {
        return PostgresProjectionStore.builder(db.dataSource()).build();
    }

    private static long deadLetters() {
        return db.queryLong("SELECT count(*) FROM lockstep.dead_letters");
    }

    @Nested
    class SqlStates {

        @ParameterizedTest(name = "SQLState {0}")
        @ValueSource(
                strings = {
                    "08006", "25006", "28000", "3D000", "40001", "40P01", "42501", "42P01", "42703", "53100", "53200",
                    "53300", "55P03", "57014", "57P01", "58030", "XX000", "XX001"
                })
        void ofTheEnvironmentAreRetriedAndNeverDeadLettered(String sqlState) throws Exception {
            // given: skip with one attempt, so blaming the event would dead-letter it at once
            AtomicInteger failures = new AtomicInteger();
            ProjectionRunner runner = runner(
                    accounts("env-" + sqlState, (e, env, tx) -> {
                        if (failures.getAndIncrement() < 3) {
                            throw new SQLException("simulated " + sqlState, sqlState);
                        }
                    }),
                    store());

            // when
            long checkpoint = runner.catchUp();

            // then
            assertThat(checkpoint).isEqualTo(EVENTS - 1);
            assertThat(failures).hasValue(4);
            assertThat(deadLetters()).isZero();
            assertThat(AccountsWorkload.mismatches(db.dataSource())).isEmpty();
            assertThat(runner.status().errorHistory()).first().satisfies(resolved -> {
                assertThat(resolved.error().position()).as("no event is blamed").isEqualTo(-1L);
                assertThat(resolved.error().cause())
                        .isInstanceOf(TransientStoreException.class)
                        .hasMessageContaining("SQLState " + sqlState)
                        .hasMessageContaining("no event's fault");
            });
        }

        @ParameterizedTest(name = "SQLState {0}")
        @ValueSource(strings = {"21000", "22003", "22P02", "23502", "23505", "23514", "54000", "P0001"})
        void ofAnEventReachTheFailurePolicy(String sqlState) throws Exception {
            // given
            ProjectionRunner runner = runner(
                    accounts("event-" + sqlState, (e, env, tx) -> {
                        throw new SQLException("simulated " + sqlState, sqlState);
                    }),
                    store());

            // when
            long checkpoint = runner.catchUp();

            // then
            assertThat(checkpoint).isEqualTo(EVENTS - 1);
            assertThat(db.queryLong("SELECT position FROM lockstep.dead_letters"))
                    .isEqualTo(FAILING);
            assertThat(AccountsWorkload.mismatches(db.dataSource(), "position <> " + FAILING))
                    .isEmpty();
        }
    }

    @Nested
    class Probes {

        @Test
        void aHandlerThatHidesABrokenConnectionIsNotBlamedBecauseItsConnectionFailsTheProbe() throws Exception {
            // given: the handler's session is killed, and the handler throws an exception that names no SQLState
            AtomicInteger kills = new AtomicInteger();
            ProjectionRunner runner = runner(
                    accounts("hiding", (e, env, tx) -> {
                        if (kills.getAndIncrement() < 2) {
                            try {
                                tx.dsl().execute("SELECT pg_terminate_backend(pg_backend_pid())");
                            } catch (RuntimeException hidden) {
                                throw new IllegalStateException("could not credit " + e.accountId());
                            }
                        }
                    }),
                    store());

            // when
            long checkpoint = runner.catchUp();

            // then
            assertThat(checkpoint).isEqualTo(EVENTS - 1);
            assertThat(kills).hasValue(3);
            assertThat(deadLetters()).isZero();
            assertThat(AccountsWorkload.mismatches(db.dataSource())).isEmpty();
            assertThat(runner.status().errorHistory())
                    .first()
                    .satisfies(resolved -> assertThat(resolved.error().cause()).hasMessageContaining("failed a probe"));
        }

        @Test
        void theStoresProbeFailsWhileTheDatabaseCannotBeReached() {
            // given
            GatedDataSource gated = new GatedDataSource(db.dataSource());
            PostgresProjectionStore store =
                    PostgresProjectionStore.builder(gated).build();
            store.probe();

            // when
            gated.shut();

            // then
            assertThatThrownBy(store::probe).isInstanceOf(TransientStoreException.class);
        }
    }

    @Nested
    class Hints {

        @Test
        void aStoreWhoseTablesAreMissingStallsNamingTheMigrationsAndGoesOnOnceTheyRan() {
            // given: a store in a schema nobody migrated yet
            String schema =
                    "late_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
            PostgresProjectionStore store = PostgresProjectionStore.builder(db.dataSource())
                    .schema(schema)
                    .build();
            ProjectionRunner runner = runner(accounts("late", (e, env, tx) -> {}), store);
            try {
                // when
                runner.start();

                // then: it waits, naming the command
                await().atMost(PATIENCE).untilAsserted(() -> {
                    assertThat(runner.status().state()).isEqualTo(ProjectionState.STALLED);
                    assertThat(runner.status().lastError().orElseThrow().message())
                            .contains("LockstepMigrations.migrate(dataSource)");
                });

                // when: the migrations run, as the error says
                LockstepMigrations.migrate(db.dataSource(), schema);

                // then
                await().atMost(PATIENCE)
                        .until(() -> runner.status().checkpoint() == EVENTS - 1
                                && runner.status().state() == ProjectionState.LIVE);
                assertThat(AccountsWorkload.mismatches(db.dataSource())).isEmpty();
                assertThat(db.queryLong("SELECT count(*) FROM " + schema + ".dead_letters"))
                        .isZero();
            } finally {
                runner.stop();
                db.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    @Nested
    class Timeouts {

        @Test
        void aRowLockedLongerThanTheLockTimeoutStallsTheRunnerUntilItIsReleased() throws Exception {
            // given: half the log applied, then another session holds the row of an account written later
            PostgresProjectionStore store = PostgresProjectionStore.builder(db.dataSource())
                    .lockTimeout(Duration.ofMillis(200))
                    .build();
            ProjectionRunner runner = runner(accounts("locked-row", (e, env, tx) -> {}), store);
            runner.step();
            runner.step();
            runner.step();
            long checkpoint = runner.status().checkpoint();
            String account = db.queryString(
                    "SELECT payload->>'accountId' FROM test_events WHERE position = " + (checkpoint + 1));
            try (Connection holder = db.openConnection();
                    Statement statement = holder.createStatement()) {
                holder.setAutoCommit(false);
                statement.execute("SELECT * FROM account_balance WHERE account_id = '" + account + "' FOR UPDATE");

                // when
                runner.start();

                // then
                await().atMost(PATIENCE).untilAsserted(() -> {
                    assertThat(runner.status().state()).isEqualTo(ProjectionState.STALLED);
                    assertThat(runner.status().lastError().orElseThrow().message())
                            .contains("55P03")
                            .contains("lockTimeout");
                    assertThat(runner.status().checkpoint()).isEqualTo(checkpoint);
                    assertThat(runner.status().lagEvents()).isEqualTo(EVENTS - 1 - checkpoint);
                });
                holder.rollback();
            }
            await().atMost(PATIENCE)
                    .until(() -> runner.status().checkpoint() == EVENTS - 1
                            && runner.status().state() == ProjectionState.LIVE);
            assertThat(deadLetters()).isZero();
            assertThat(AccountsWorkload.mismatches(db.dataSource())).isEmpty();
        }

        @Test
        void aStatementRunningLongerThanTheStatementTimeoutStallsTheRunnerUntilItIsFaster() {
            // given
            AtomicBoolean slow = new AtomicBoolean(true);
            PostgresProjectionStore store = PostgresProjectionStore.builder(db.dataSource())
                    .statementTimeout(Duration.ofMillis(200))
                    .build();
            ProjectionRunner runner = runner(
                    accounts("slow", (e, env, tx) -> {
                        if (slow.get()) {
                            tx.dsl().execute("SELECT pg_sleep(2)");
                        }
                    }),
                    store);

            // when
            runner.start();

            // then
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(runner.status().state()).isEqualTo(ProjectionState.STALLED);
                assertThat(runner.status().lastError().orElseThrow().message()).contains("57014");
            });
            slow.set(false);
            await().atMost(PATIENCE)
                    .until(() -> runner.status().checkpoint() == EVENTS - 1
                            && runner.status().state() == ProjectionState.LIVE);
            assertThat(deadLetters()).isZero();
            assertThat(AccountsWorkload.mismatches(db.dataSource())).isEmpty();
        }

        @Test
        void areSetForTheStoresTransactionsOnly() throws Exception {
            // given
            List<String> seen = new CopyOnWriteArrayList<>();
            PostgresProjectionStore store = PostgresProjectionStore.builder(db.dataSource())
                    .lockTimeout(Duration.ofMillis(1500))
                    .statementTimeout(Duration.ofSeconds(90))
                    .build();
            ProjectionRunner runner = runner(
                    accounts("shown", (e, env, tx) -> {
                        seen.add(String.valueOf(tx.dsl().fetchValue("SHOW lock_timeout")));
                        seen.add(String.valueOf(tx.dsl().fetchValue("SHOW statement_timeout")));
                    }),
                    store);

            // when
            runner.catchUp();

            // then
            assertThat(seen).contains("1500ms", "90s");
            assertThat(db.queryString("SHOW lock_timeout"))
                    .as("the pooled session keeps its own")
                    .isEqualTo("0");
        }

        @Test
        void outOfRangeAreRefusedNamingTheRangeAndTheDefault() {
            PostgresProjectionStore.Builder builder = PostgresProjectionStore.builder(db.dataSource());

            assertThatIllegalArgumentException()
                    .isThrownBy(() -> builder.lockTimeout(Duration.ofMillis(-5)))
                    .withMessage("lockTimeout PT-0.005S makes no sense; use 1ms..PT24H, or Duration.ZERO for no limit"
                            + " (default PT10S)");
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> builder.statementTimeout(Duration.ofDays(2)))
                    .withMessageContaining("statementTimeout PT48H")
                    .withMessageContaining("(default PT2M)");
        }
    }
}
