package io.lockstep.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import io.lockstep.postgres.testing.AccountsProjection;
import io.lockstep.postgres.testing.AccountsWorkload;
import io.lockstep.postgres.testing.AccountsWorkload.AccountOpened;
import io.lockstep.postgres.testing.AccountsWorkload.FundsDeposited;
import io.lockstep.postgres.testing.TableEventSource;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.LockstepException;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.RetryPolicy;
import io.lockstep.projection.StatementMode;
import io.lockstep.projection.StepResult;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.Record;
import org.jooq.Table;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Who owns the batch transaction, and what happens at its edges: stops, locks, retries, statement modes. */
class TransactionBoundaryTest {

    private static final int EVENTS = 1_000;
    private static final Table<Record> NOTES = table(name("notes"));

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass();

    static PostgresProjectionStore store;
    static TableEventSource source;

    @BeforeAll
    static void createTables() {
        store = PostgresProjectionStore.builder(db.dataSource()).build();
        source = new TableEventSource(db.dataSource(), AccountsWorkload.TYPES);
        AccountsWorkload.seed(db, 20, EVENTS);
        db.execute("CREATE TABLE notes (position bigint NOT NULL, note text NOT NULL)");
    }

    @BeforeEach
    void emptyTheReadModel() {
        db.execute("TRUNCATE account_balance, notes", "TRUNCATE lockstep.checkpoints, lockstep.dead_letters");
    }

    private static Projection.Builder<PostgresTransaction> accounts(String name) {
        return Projection.<PostgresTransaction>builder(name)
                .on(AccountOpened.class, (e, env, tx) -> AccountsProjection.open(e, tx));
    }

    @Nested
    class HandlersCannotEndTheBatchTransaction {

        @Test
        void committingTheBatchConnectionFailsTheEventAndCommitsNothingOfIt() {
            // given
            Projection<PostgresTransaction> committing = accounts("committing")
                    .on(FundsDeposited.class, (e, env, tx) -> {
                        AccountsProjection.credit(tx, e.accountId(), e.amount());
                        tx.connection().commit();
                    })
                    .build();
            ProjectionRunner runner = ProjectionRunner.builder(committing, store, source)
                    .retryPolicy(new RetryPolicy(1, Duration.ZERO, Duration.ZERO))
                    .build();

            // when
            assertThatThrownBy(runner::catchUp).isInstanceOf(LockstepException.class);

            // then: the first deposit is the poison event; only the accounts' openings committed
            long firstDeposit =
                    db.queryLong("SELECT min(position) FROM test_events WHERE event_type = 'FundsDeposited'");
            assertThat(runner.status().lastError().orElseThrow().cause())
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("Lockstep owns that transaction");
            assertThat(store.checkpoints().getCheckpoint("committing")).isEqualTo(firstDeposit - 1);
            assertThat(db.queryLong("SELECT sum(events) FROM account_balance"))
                    .isEqualTo(db.queryLong("SELECT count(*) FROM test_events WHERE event_type = 'AccountOpened'"));
        }

        @Test
        void aNestedJooqTransactionIsASavepointInsideTheBatch() throws Exception {
            // given: each deposit writes a note, then a nested transaction writes another and rolls back
            Projection<PostgresTransaction> nesting = accounts("nesting")
                    .on(FundsDeposited.class, (e, env, tx) -> {
                        tx.dsl()
                                .insertInto(NOTES, field(name("position")), field(name("note")))
                                .values(env.position(), "kept")
                                .execute();
                        try {
                            tx.dsl().transaction(nested -> {
                                nested.dsl()
                                        .insertInto(NOTES, field(name("position")), field(name("note")))
                                        .values(env.position(), "rolled back")
                                        .execute();
                                throw new IllegalStateException("roll the nested unit back");
                            });
                        } catch (IllegalStateException expected) {
                            // the savepoint was rolled back; the batch goes on
                        }
                    })
                    .build();

            // when
            ProjectionRunner.builder(nesting, store, source).build().catchUp();

            // then
            long deposits = db.queryLong("SELECT count(*) FROM test_events WHERE event_type = 'FundsDeposited'");
            assertThat(db.queryLong("SELECT count(*) FROM notes WHERE note = 'kept'"))
                    .isEqualTo(deposits);
            assertThat(db.queryLong("SELECT count(*) FROM notes WHERE note = 'rolled back'"))
                    .isZero();
            assertThat(store.checkpoints().getCheckpoint("nesting")).isEqualTo(EVENTS - 1);
        }
    }

    @Nested
    class StatementModes {

        private List<Integer> rowCounts(StatementMode mode) throws InterruptedException {
            List<Integer> counts = new CopyOnWriteArrayList<>();
            Projection<PostgresTransaction> counting = accounts("counts-" + mode)
                    .on(
                            FundsDeposited.class,
                            (e, env, tx) -> counts.add(tx.dsl()
                                    .update(table(name("account_balance")))
                                    .set(
                                            field(name("events"), Long.class),
                                            field(name("events"), Long.class).plus(1))
                                    .where(field(name("account_id"), String.class)
                                            .eq(e.accountId()))
                                    .execute()))
                    .statementMode(mode)
                    .build();
            ProjectionRunner.builder(counting, store, source)
                    .batchSize(100)
                    .build()
                    .catchUp();
            return counts;
        }

        @Test
        void batchedModeHoldsWritesBackSoTheirRowCountsReadZero() throws Exception {
            assertThat(rowCounts(StatementMode.BATCHED)).isNotEmpty().containsOnly(0);
        }

        @Test
        void immediateModeRunsEachWriteAtOnceWithItsRowCount() throws Exception {
            assertThat(rowCounts(StatementMode.IMMEDIATE)).isNotEmpty().containsOnly(1);
        }

        @Test
        void theDriverConnectionAHandlerUnwrapsSeesTheWritesHeldBackBeforeIt() throws Exception {
            // given: each deposit notes its position, then reads the notes past jOOQ and Lockstep
            List<Long> seen = new CopyOnWriteArrayList<>();
            Projection<PostgresTransaction> unwrapping = accounts("unwrapping")
                    .on(FundsDeposited.class, (e, env, tx) -> {
                        tx.dsl()
                                .insertInto(NOTES, field(name("position")), field(name("note")))
                                .values(env.position(), "held")
                                .execute();
                        try (var statement = tx.connection()
                                        .unwrap(org.postgresql.core.BaseConnection.class)
                                        .createStatement();
                                var rows = statement.executeQuery("SELECT max(position) FROM notes")) {
                            rows.next();
                            seen.add(rows.getLong(1) - env.position());
                        }
                    })
                    .build();

            // when
            ProjectionRunner.builder(unwrapping, store, source).build().catchUp();

            // then
            assertThat(seen).isNotEmpty().containsOnly(0L);
        }

        @Test
        @Timeout(120) // held back, the stream fails when sent, the driver drops the connection and it is retried
        void aStreamedValueIsNotHeldBackPastTheStreamsLife() throws Exception {
            // given: the bytes come from a stream that cannot be read once the handler closed it, as soon as
            // its execution returned
            db.execute("CREATE TABLE IF NOT EXISTS blobs (position bigint NOT NULL, data bytea NOT NULL)");
            Projection<PostgresTransaction> streaming = accounts("streaming")
                    .on(FundsDeposited.class, (e, env, tx) -> {
                        try (var statement = tx.connection().prepareStatement("INSERT INTO blobs VALUES (?, ?)");
                                var data = new ClosingStream(
                                        Long.toString(env.position()).getBytes())) {
                            statement.setLong(1, env.position());
                            statement.setBinaryStream(2, data, data.available()); // a length: read when sent
                            statement.executeUpdate();
                        }
                    })
                    .build();

            // when
            ProjectionRunner.builder(streaming, store, source).build().catchUp();

            // then
            assertThat(db.queryLong("SELECT count(*) FROM blobs WHERE convert_from(data, 'UTF8') = position::text"))
                    .isEqualTo(db.queryLong("SELECT count(*) FROM test_events WHERE event_type = 'FundsDeposited'"));
        }
    }

    /** A stream that refuses to be read once closed, as many do (a file's, a socket's). */
    private static final class ClosingStream extends java.io.FilterInputStream {
        private boolean closed;

        ClosingStream(byte[] data) {
            super(new java.io.ByteArrayInputStream(data));
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws java.io.IOException {
            if (closed) {
                throw new java.io.IOException("stream closed");
            }
            return super.read(buffer, offset, length);
        }

        @Override
        public int read() throws java.io.IOException {
            if (closed) {
                throw new java.io.IOException("stream closed");
            }
            return super.read();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Nested
    class TransientFailures {

        @ParameterizedTest(name = "SQLState {0}")
        @ValueSource(strings = {"40001", "40P01", "08006"})
        void areRetriedWithoutMakingTheEventPoison(String sqlState) throws Exception {
            // given: the handler fails three times with the state; one attempt is all a poison event gets
            AtomicInteger failures = new AtomicInteger();
            Projection<PostgresTransaction> flaky = accounts("flaky-" + sqlState)
                    .on(FundsDeposited.class, (e, env, tx) -> {
                        if (env.position() == 501 && failures.getAndIncrement() < 3) {
                            throw new SQLException("simulated failure " + sqlState, sqlState);
                        }
                    })
                    .build();
            ProjectionRunner runner = ProjectionRunner.builder(flaky, store, source)
                    .retryPolicy(new RetryPolicy(1, Duration.ZERO, Duration.ZERO))
                    .build();

            // when
            long checkpoint = runner.catchUp();

            // then
            assertThat(checkpoint).isEqualTo(EVENTS - 1);
            assertThat(failures).hasValue(4);
            assertThat(runner.status().state()).isEqualTo(ProjectionState.LIVE);
            assertThat(runner.status().errorHistory())
                    .first()
                    .as("a store failure names no event")
                    .satisfies(
                            resolved -> assertThat(resolved.error().position()).isEqualTo(-1));
        }
    }

    @Nested
    class Stopping {

        @Test
        void stopWaitsForTheBatchInFlightWhichCommitsWhole() throws Exception {
            // given: the handler of event 301 (a deposit) blocks until released
            CountDownLatch inHandler = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Projection<PostgresTransaction> blocking = accounts("blocking")
                    .on(FundsDeposited.class, (e, env, tx) -> {
                        AccountsProjection.credit(tx, e.accountId(), e.amount());
                        if (env.position() == 301) {
                            inHandler.countDown();
                            release.await();
                        }
                    })
                    .build();
            ProjectionRunner runner = ProjectionRunner.builder(blocking, store, source)
                    .batchSize(200)
                    .build();
            runner.start();
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                CompletableFuture<Void> stopping;
                try {
                    assertThat(inHandler.await(30, TimeUnit.SECONDS)).isTrue();

                    // when
                    stopping = CompletableFuture.runAsync(runner::stop, threads);

                    // then: stop waits for the batch in flight
                    await().during(Duration.ofMillis(300))
                            .atMost(Duration.ofSeconds(5))
                            .until(() -> !stopping.isDone());
                } finally {
                    release.countDown();
                }
                // once released, the batch 200..399 commits whole and the loop ends
                stopping.get(30, TimeUnit.SECONDS);
            }
            assertThat(runner.status().state()).isEqualTo(ProjectionState.STOPPED);
            assertThat(store.checkpoints().getCheckpoint("blocking")).isEqualTo(399);
            assertThat(db.queryLong("SELECT sum(events) FROM account_balance"))
                    .isEqualTo(db.queryLong("SELECT count(*) FROM test_events WHERE position <= 399"
                            + " AND event_type IN ('AccountOpened', 'FundsDeposited')"));
        }
    }

    @Nested
    class Locking {

        @Test
        void aRunnerBlockedOnTheCheckpointLockRollsBackWhenTheHolderCommits() throws Exception {
            // given: runner A holds the checkpoint row lock inside its first batch
            CountDownLatch inHandler = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Projection<PostgresTransaction> holding = accounts("locking")
                    .on(FundsDeposited.class, (e, env, tx) -> {
                        AccountsProjection.credit(tx, e.accountId(), e.amount());
                        if (inHandler.getCount() > 0) {
                            inHandler.countDown();
                            release.await();
                        }
                    })
                    .build();
            ProjectionRunner first = ProjectionRunner.builder(holding, store, source)
                    .batchSize(100)
                    .build();
            ProjectionRunner second = ProjectionRunner.builder(AccountsProjection.perEvent("locking"), store, source)
                    .batchSize(100)
                    .build();
            CompletableFuture<StepResult> firstStep;
            CompletableFuture<StepResult> secondStep;
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                firstStep = CompletableFuture.supplyAsync(first::step, threads);
                try {
                    assertThat(inHandler.await(30, TimeUnit.SECONDS)).isTrue();

                    // when: B starts the same batch and waits on A's row lock
                    secondStep = CompletableFuture.supplyAsync(second::step, threads);
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> db.queryLong(
                                            "SELECT count(*) FROM"
                                                    + " pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
                                    == 1);
                } finally {
                    release.countDown();
                }
            }

            // then
            assertThat(firstStep.get(30, TimeUnit.SECONDS)).isEqualTo(new StepResult.Committed(-1, 99, 100));
            assertThat(secondStep.get(30, TimeUnit.SECONDS)).isInstanceOf(StepResult.Conflict.class);
            assertThat(db.queryLong("SELECT sum(events) FROM account_balance"))
                    .as("events applied")
                    .isEqualTo(db.queryLong("SELECT count(*) FROM test_events WHERE position <= 99"
                            + " AND event_type IN ('AccountOpened', 'FundsDeposited')"));
            assertThat(store.checkpoints().getCheckpoint("locking")).isEqualTo(99);
        }
    }

    @Nested
    class Replaying {

        @Test
        void skippingTheSameEventAgainAfterAResetKeepsOneDeadLetter() throws Exception {
            // given
            Projection<PostgresTransaction> skipping = accounts("replaying")
                    .on(FundsDeposited.class, (e, env, tx) -> {
                        if (env.position() == 701) {
                            throw new IllegalStateException("poison");
                        }
                    })
                    .failurePolicy(io.lockstep.projection.FailurePolicy.skip())
                    .build();
            RetryPolicy once = new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
            ProjectionRunner.builder(skipping, store, source)
                    .retryPolicy(once)
                    .build()
                    .catchUp();
            db.execute("TRUNCATE account_balance");
            store.checkpoints().resetCheckpoint("replaying", -1);

            // when
            long checkpoint = ProjectionRunner.builder(skipping, store, source)
                    .retryPolicy(once)
                    .build()
                    .catchUp();

            // then
            assertThat(checkpoint).isEqualTo(EVENTS - 1);
            assertThat(db.queryLong("SELECT count(*) FROM lockstep.dead_letters WHERE position = 701"))
                    .isOne();
        }
    }
}
