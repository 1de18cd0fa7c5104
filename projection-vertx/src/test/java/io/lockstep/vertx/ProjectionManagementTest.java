package io.lockstep.vertx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.postgres.testing.AccountsProjection;
import io.lockstep.postgres.testing.AccountsWorkload;
import io.lockstep.postgres.testing.AccountsWorkload.AccountOpened;
import io.lockstep.postgres.testing.AccountsWorkload.FundsDeposited;
import io.lockstep.postgres.testing.AccountsWorkload.FundsWithdrawn;
import io.lockstep.postgres.testing.TableEventSource;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.StepResult;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Pause, resume, replay from -1, reset, and version rebuilds, against PostgreSQL. */
class ProjectionManagementTest {

    private static final int EVENTS = 20_000;

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(10);

    static PostgresProjectionStore store;
    static TableEventSource source;

    @BeforeAll
    static void createTables() {
        store = PostgresProjectionStore.builder(db.dataSource()).build();
        source = new TableEventSource(db.dataSource(), AccountsWorkload.TYPES);
        AccountsWorkload.seed(db, 200, EVENTS);
    }

    @BeforeEach
    void emptyTheReadModel() {
        db.execute("TRUNCATE account_balance", "TRUNCATE lockstep.checkpoints, lockstep.dead_letters");
    }

    private static Projection<PostgresTransaction> balances(String name, int version, AtomicInteger resets) {
        return Projection.<PostgresTransaction>builder(name)
                .version(version)
                .on(AccountOpened.class, (e, env, tx) -> AccountsProjection.open(e, tx))
                .on(FundsDeposited.class, (e, env, tx) -> AccountsProjection.credit(tx, e.accountId(), e.amount()))
                .on(FundsWithdrawn.class, (e, env, tx) -> AccountsProjection.credit(tx, e.accountId(), -e.amount()))
                .onReset(tx -> {
                    resets.incrementAndGet();
                    // DELETE, not TRUNCATE: TRUNCATE is not MVCC-safe, so a reader whose snapshot predates it
                    // would see an empty table beside the old checkpoint (this test catches exactly that)
                    tx.dsl().deleteFrom(AccountsProjection.ACCOUNT_BALANCE).execute();
                })
                .build();
    }

    @Nested
    class Pausing {

        @Test
        void aPauseIsStoredSoANewRunnerStaysPausedUntilResumed() throws Exception {
            // given
            ProjectionRunner first = ProjectionRunner.builder(balances("paused", 1, new AtomicInteger()), store, source)
                    .batchSize(100)
                    .build();
            assertThat(first.step()).isInstanceOf(StepResult.Committed.class);

            // when: paused, then the process "restarts" with a new runner
            first.pause();
            ProjectionRunner restarted = ProjectionRunner.builder(
                            balances("paused", 1, new AtomicInteger()), store, source)
                    .batchSize(100)
                    .build();

            // then
            assertThat(restarted.step()).isEqualTo(new StepResult.Paused(99));
            assertThat(restarted.status().state()).isEqualTo(ProjectionState.PAUSED);
            assertThat(db.queryLong("SELECT sum(events) FROM account_balance")).isEqualTo(100);
            restarted.resume();
            assertThat(restarted.catchUp()).isEqualTo(EVENTS - 1);
            assertThat(AccountsWorkload.mismatches(db.dataSource())).isEmpty();
        }

        @Test
        void aBatchInFlightWhenThePauseLandsRollsBack() {
            // given: a runner that read its checkpoint before the pause
            ProjectionRunner runner = ProjectionRunner.builder(
                            balances("racing-pause", 1, new AtomicInteger()), store, source)
                    .batchSize(100)
                    .build();
            assertThat(runner.step()).isInstanceOf(StepResult.Committed.class);

            // when
            store.setPaused(runner.key(), true);

            // then: its next claim fails, nothing more is applied, and it sees the pause
            assertThat(runner.step()).isInstanceOf(StepResult.Conflict.class);
            assertThat(runner.step()).isEqualTo(new StepResult.Paused(99));
            assertThat(db.queryLong("SELECT sum(events) FROM account_balance")).isEqualTo(100);
        }
    }

    @Nested
    class Replaying {

        @Test
        void readersSeeEitherTheOldStateOrOnlyTheNewRunNeverAMix() throws Exception {
            // given: caught up, then followed by a running loop
            AtomicInteger resets = new AtomicInteger();
            ProjectionRunner runner = ProjectionRunner.builder(balances("replayed", 1, resets), store, source)
                    .batchSize(500)
                    .idleWait(Duration.ofMillis(20))
                    .build();
            runner.catchUp();
            int resetsBefore = resets.get();
            List<String> violations = new CopyOnWriteArrayList<>();
            AtomicBoolean reading = new AtomicBoolean(true);
            AtomicInteger reads = new AtomicInteger();
            try (ExecutorService readers = Executors.newFixedThreadPool(2)) {
                List<Future<?>> loops = List.of(
                        readers.submit(() -> readLoop(reading, reads, violations)),
                        readers.submit(() -> readLoop(reading, reads, violations)));
                runner.start();

                // when
                runner.replay();
                await().atMost(Duration.ofMinutes(1))
                        .until(() -> runner.status().checkpoint() == EVENTS - 1
                                && runner.status().state() == ProjectionState.LIVE);
                reading.set(false);
                for (Future<?> loop : loops) {
                    loop.get(30, TimeUnit.SECONDS);
                }
            } finally {
                runner.stop();
            }

            // then
            assertThat(resets.get() - resetsBefore).isOne();
            assertThat(reads.get()).isGreaterThan(10);
            assertThat(violations).isEmpty();
            assertThat(AccountsWorkload.mismatches(db.dataSource())).isEmpty();
        }

        /**
         * In one snapshot, the read model must hold exactly the events up to the checkpoint: true of the old
         * state and of every prefix of the new run; false of any mix.
         */
        private void readLoop(AtomicBoolean reading, AtomicInteger reads, List<String> violations) {
            try (Connection connection = db.openConnection();
                    Statement statement = connection.createStatement()) {
                connection.setAutoCommit(false);
                connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                while (reading.get()) {
                    try (ResultSet rows = statement.executeQuery("SELECT (SELECT coalesce(sum(events), 0) FROM"
                            + " account_balance), (SELECT count(*) FROM test_events WHERE position <= (SELECT position"
                            + " FROM lockstep.checkpoints WHERE projection = 'replayed'))")) {
                        rows.next();
                        if (rows.getLong(1) != rows.getLong(2)) {
                            violations.add("read model holds " + rows.getLong(1) + " events, checkpoint covers "
                                    + rows.getLong(2));
                        }
                    }
                    connection.commit();
                    reads.incrementAndGet();
                }
            } catch (Exception e) {
                violations.add("reader failed: " + e);
            }
        }

        @Test
        void resetToMovesTheCheckpointOnlyAndRefusesABadPosition() throws Exception {
            ProjectionRunner runner = ProjectionRunner.builder(balances("reset", 1, new AtomicInteger()), store, source)
                    .build();
            runner.catchUp();

            assertThatThrownBy(() -> runner.resetTo(-2))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(">= -1");
            assertThat(store.checkpoints().getCheckpoint("reset")).isEqualTo(EVENTS - 1);

            runner.resetTo(EVENTS - 11);
            assertThat(runner.step()).isEqualTo(new StepResult.Committed(EVENTS - 11, EVENTS - 1, 10));
        }
    }

    @Nested
    class Recovering {

        @Test
        void aResetPastThePoisonEventBringsEveryFailedRunnerBackAndTheHealthUp() throws Exception {
            // given: two runners of one projection stopped on a poison event
            Projection<PostgresTransaction> poisoned = Projection.<PostgresTransaction>builder("recovering")
                    .on(AccountOpened.class, (e, env, tx) -> AccountsProjection.open(e, tx))
                    .on(FundsDeposited.class, (e, env, tx) -> {
                        if (env.position() == 501) {
                            throw new IllegalStateException("poison");
                        }
                        AccountsProjection.credit(tx, e.accountId(), e.amount());
                    })
                    .build();
            List<ProjectionRunner> runners = List.of(
                    ProjectionRunner.builder(poisoned, store, source)
                            .idleWait(Duration.ofMillis(20))
                            .retryPolicy(new io.lockstep.projection.RetryPolicy(1, Duration.ZERO, Duration.ZERO))
                            .build(),
                    ProjectionRunner.builder(poisoned, store, source)
                            .idleWait(Duration.ofMillis(20))
                            .retryPolicy(new io.lockstep.projection.RetryPolicy(1, Duration.ZERO, Duration.ZERO))
                            .build());
            runners.forEach(ProjectionRunner::start);
            try {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> runners.stream().anyMatch(r -> r.status().state() == ProjectionState.FAILED));
                assertThat(store.checkpoints().getCheckpoint("recovering")).isEqualTo(500);

                // when: an operator moves the checkpoint past the poison event through one runner
                runners.getFirst().resetTo(501);

                // then: both leave FAILED and catch up
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> runners.stream().allMatch(r -> r.status().state() == ProjectionState.LIVE));
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> store.checkpoints().getCheckpoint("recovering") == EVENTS - 1);
                assertThat(new io.lockstep.vertx.ProjectionHealth(
                                        Duration.ofSeconds(30), Duration.ZERO, java.time.InstantSource.system())
                                .check(runners.stream()
                                        .map(ProjectionRunner::status)
                                        .toList())
                                .level())
                        .isEqualTo(io.lockstep.vertx.ProjectionHealth.Level.UP);
            } finally {
                runners.forEach(ProjectionRunner::stop);
            }
        }

        @Test
        void pauseAndResumeInQuickSuccessionLeaveTheLoopRunning() throws Exception {
            ProjectionRunner runner = ProjectionRunner.builder(balances("wakes", 1, new AtomicInteger()), store, source)
                    .build();
            runner.start();
            try {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> runner.status().checkpoint() == EVENTS - 1);
                for (int i = 0; i < 20; i++) {
                    runner.pause();
                    runner.resume();
                }
                runner.resetTo(EVENTS - 101);

                // the loop is alive: it re-applies the last 100 events (reset keeps the read model, so the
                // event count in the read model grows by exactly 100)
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> db.queryLong("SELECT sum(events) FROM account_balance") == EVENTS + 100);
                assertThat(runner.status().state()).isIn(ProjectionState.LIVE, ProjectionState.CATCHING_UP);
            } finally {
                runner.stop();
            }
        }
    }

    @Nested
    class Versions {

        @Test
        void aHigherVersionRebuildsFromTheStartExactlyOnce() throws Exception {
            // given: version 1 built the read model
            AtomicInteger resets = new AtomicInteger();
            ProjectionRunner.builder(balances("versioned", 1, resets), store, source)
                    .build()
                    .catchUp();
            assertThat(resets).hasValue(0);

            // when: version 2 is deployed, twice (a restart)
            ProjectionRunner v2 = ProjectionRunner.builder(balances("versioned", 2, resets), store, source)
                    .build();
            v2.catchUp();
            ProjectionRunner.builder(balances("versioned", 2, resets), store, source)
                    .build()
                    .catchUp();

            // then
            assertThat(resets).hasValue(1);
            assertThat(v2.status().eventsProcessed()).isEqualTo(EVENTS);
            assertThat(store.readCheckpoint(v2.key()).version()).isEqualTo(2);
            assertThat(AccountsWorkload.mismatches(db.dataSource())).isEmpty();
        }

        @Test
        void sideBySideKeepsAnsweringReadsFromTheOldTablesUntilTheNewVersionTakesOver() throws Exception {
            // given: version 1 serves readers through the view "sbs_balance"
            db.execute(
                    "DROP VIEW IF EXISTS sbs_balance",
                    "DROP TABLE IF EXISTS sbs_balance_v1, sbs_balance_v2",
                    "CREATE TABLE sbs_balance_v1 (account_id text PRIMARY KEY, balance bigint NOT NULL,"
                            + " events bigint NOT NULL)",
                    "CREATE VIEW sbs_balance AS SELECT * FROM sbs_balance_v1");
            AtomicInteger created = new AtomicInteger();
            AtomicInteger promoted = new AtomicInteger();
            ProjectionRunner.builder(sideBySide(1, created, promoted), store, source)
                    .build()
                    .catchUp();
            List<String> violations = new CopyOnWriteArrayList<>();
            AtomicBoolean reading = new AtomicBoolean(true);
            AtomicInteger reads = new AtomicInteger();

            // when: version 2 is deployed and rebuilds while readers read
            ProjectionRunner v2 = ProjectionRunner.builder(sideBySide(2, created, promoted), store, source)
                    .batchSize(500)
                    .build();
            try (ExecutorService readers = Executors.newSingleThreadExecutor()) {
                Future<?> loop = readers.submit(() -> viewReadLoop(reading, reads, violations));
                v2.catchUp();
                reading.set(false);
                loop.get(30, TimeUnit.SECONDS);
            }
            ProjectionRunner.builder(sideBySide(2, created, promoted), store, source)
                    .build()
                    .catchUp();

            // then
            assertThat(created).hasValue(1);
            assertThat(promoted).hasValue(1);
            assertThat(reads.get()).isGreaterThan(10);
            assertThat(violations).isEmpty();
            assertThat(store.readCheckpoint(v2.key()))
                    .isEqualTo(new io.lockstep.projection.StoredCheckpoint(EVENTS - 1, false, 2));
            assertThat(db.queryLong(
                            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'sbs_balance_v1'"))
                    .as("old tables dropped")
                    .isZero();
            assertThat(db.queryLong("SELECT sum(events) FROM sbs_balance")).isEqualTo(EVENTS);
        }

        /**
         * Every read of the view must see the complete read model: all events, as many as the checkpoint
         * covers. An in-place rebuild would show a partial one.
         */
        private void viewReadLoop(AtomicBoolean reading, AtomicInteger reads, List<String> violations) {
            try (Connection connection = db.openConnection();
                    Statement statement = connection.createStatement()) {
                while (reading.get()) {
                    try (ResultSet rows = statement.executeQuery("SELECT (SELECT coalesce(sum(events), 0) FROM"
                            + " sbs_balance), (SELECT count(*) FROM test_events WHERE position <= (SELECT position"
                            + " FROM lockstep.checkpoints WHERE projection = 'sbs'))")) {
                        rows.next();
                        if (rows.getLong(1) != rows.getLong(2) || rows.getLong(1) != EVENTS) {
                            violations.add("view holds " + rows.getLong(1) + " events, checkpoint covers "
                                    + rows.getLong(2) + ", the log has " + EVENTS);
                        }
                    }
                    reads.incrementAndGet();
                }
            } catch (Exception e) {
                violations.add("reader failed: " + e);
            }
        }

        private Projection<PostgresTransaction> sideBySide(int version, AtomicInteger created, AtomicInteger promoted) {
            org.jooq.Table<org.jooq.Record> table =
                    org.jooq.impl.DSL.table(org.jooq.impl.DSL.name("sbs_balance_v" + version));
            org.jooq.Field<String> id = org.jooq.impl.DSL.field(org.jooq.impl.DSL.name("account_id"), String.class);
            org.jooq.Field<Long> balance = org.jooq.impl.DSL.field(org.jooq.impl.DSL.name("balance"), Long.class);
            org.jooq.Field<Long> events = org.jooq.impl.DSL.field(org.jooq.impl.DSL.name("events"), Long.class);
            return Projection.<PostgresTransaction>builder("sbs")
                    .version(version)
                    .on(
                            AccountOpened.class,
                            (e, env, tx) -> tx.dsl()
                                    .insertInto(table, id, balance, events)
                                    .values(e.accountId(), e.initialDeposit(), 1L)
                                    .execute())
                    .on(
                            FundsDeposited.class,
                            (e, env, tx) -> tx.dsl()
                                    .update(table)
                                    .set(balance, balance.plus(e.amount()))
                                    .set(events, events.plus(1))
                                    .where(id.eq(e.accountId()))
                                    .execute())
                    .on(
                            FundsWithdrawn.class,
                            (e, env, tx) -> tx.dsl()
                                    .update(table)
                                    .set(balance, balance.minus(e.amount()))
                                    .set(events, events.plus(1))
                                    .where(id.eq(e.accountId()))
                                    .execute())
                    .rebuild(io.lockstep.projection.RebuildStrategy.sideBySide(
                            new io.lockstep.projection.RebuildStrategy.VersionedTables<PostgresTransaction>() {
                                @Override
                                public void create(PostgresTransaction tx, int v) {
                                    created.incrementAndGet();
                                    tx.dsl()
                                            .execute("CREATE TABLE IF NOT EXISTS sbs_balance_v" + v
                                                    + " (LIKE sbs_balance_v" + (v - 1) + " INCLUDING ALL)");
                                }

                                @Override
                                public void promote(PostgresTransaction tx, int from, int to) {
                                    promoted.incrementAndGet();
                                    tx.dsl()
                                            .execute("CREATE OR REPLACE VIEW sbs_balance AS SELECT * FROM sbs_balance_v"
                                                    + to);
                                    tx.dsl().execute("DROP TABLE sbs_balance_v" + from);
                                }
                            }))
                    .build();
        }

        @Test
        void twoRunnersBuildingSideBySideWhileEventsArriveApplyEachEventOnce() throws Exception {
            // given: version 1 built; events keep arriving while two version-2 runners rebuild
            db.execute(
                    "DROP VIEW IF EXISTS sbs_balance",
                    "DROP TABLE IF EXISTS sbs_balance_v1, sbs_balance_v2",
                    "CREATE TABLE sbs_balance_v1 (account_id text PRIMARY KEY, balance bigint NOT NULL,"
                            + " events bigint NOT NULL)",
                    "CREATE VIEW sbs_balance AS SELECT * FROM sbs_balance_v1");
            AtomicInteger created = new AtomicInteger();
            AtomicInteger promoted = new AtomicInteger();
            ProjectionRunner.builder(sideBySide(1, created, promoted), store, source)
                    .build()
                    .catchUp();
            List<ProjectionRunner> v2 = List.of(
                    ProjectionRunner.builder(sideBySide(2, created, promoted), store, source)
                            .batchSize(300)
                            .idleWait(Duration.ofMillis(10))
                            .build(),
                    ProjectionRunner.builder(sideBySide(2, created, promoted), store, source)
                            .batchSize(300)
                            .idleWait(Duration.ofMillis(10))
                            .build());
            int extra = 2_000;
            try {
                v2.forEach(ProjectionRunner::start);
                for (int i = 0; i < extra; i += 100) {
                    AccountsWorkload.appendDeposits(db, 100);
                }
                await().atMost(Duration.ofMinutes(1))
                        .until(() -> store.readCheckpoint(v2.getFirst().key())
                                .equals(new io.lockstep.projection.StoredCheckpoint(EVENTS + extra - 1, false, 2)));
            } finally {
                v2.forEach(ProjectionRunner::stop);
            }

            // then
            assertThat(promoted).hasValue(1);
            assertThat(db.queryLong("SELECT sum(events) FROM sbs_balance")).isEqualTo(EVENTS + extra);
            assertThat(db.queryLong("SELECT sum(balance) FROM sbs_balance"))
                    .isEqualTo(db.queryLong(
                            "SELECT sum(CASE event_type WHEN 'AccountOpened' THEN (payload->>'initialDeposit')::bigint"
                                    + " WHEN 'FundsDeposited' THEN (payload->>'amount')::bigint"
                                    + " ELSE -(payload->>'amount')::bigint END) FROM test_events"));
            db.execute("DELETE FROM test_events WHERE position >= " + EVENTS);
        }

        @Test
        void anOlderVersionThanTheReadModelsRefusesToRun() throws Exception {
            ProjectionRunner.builder(balances("newer", 3, new AtomicInteger()), store, source)
                    .build()
                    .catchUp();

            ProjectionRunner older = ProjectionRunner.builder(balances("newer", 2, new AtomicInteger()), store, source)
                    .build();

            assertThat(older.step()).isInstanceOf(StepResult.Failed.class);
            assertThat(older.status().lastError().orElseThrow().message())
                    .contains("built by version 3")
                    .contains("this code is version 2");
        }
    }
}
