package io.lockstep.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lockstep.projection.CheckpointConflictException;
import io.lockstep.projection.CheckpointKey;
import io.lockstep.projection.FailurePolicy;
import io.lockstep.projection.InMemoryEventSource;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.RebuildStrategy;
import io.lockstep.projection.RetryPolicy;
import io.lockstep.projection.StatementMode;
import io.lockstep.projection.StepResult;
import io.lockstep.projection.StoredCheckpoint;
import io.lockstep.redis.testing.BalancesProjection;
import io.lockstep.redis.testing.Deposit;
import io.lockstep.redis.testing.TestRedis;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** A runner over the Redis store: the same behaviour as on PostgreSQL, against a real Redis. */
class RedisProjectionRunnerTest {

    private static final String NAME = "balances";
    private static final RetryPolicy QUICK = new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(5));

    private String prefix;
    private RedisProjectionStore store;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;
    private RedisCommands<String, String> redis;

    @BeforeEach
    void connect() {
        prefix = TestRedis.uniquePrefix();
        store = RedisProjectionStore.builder(TestRedis.uri()).keyPrefix(prefix).build();
        client = RedisClient.create(TestRedis.uri());
        connection = client.connect();
        redis = connection.sync();
    }

    @AfterEach
    void disconnect() {
        store.close();
        connection.close();
        client.shutdown();
        TestRedis.deleteKeys(TestRedis.uri(), prefix);
    }

    private ProjectionRunner runner(Projection<RedisTransaction> projection, InMemoryEventSource source) {
        return ProjectionRunner.builder(projection, store, source)
                .batchSize(100)
                .retryPolicy(QUICK)
                .build();
    }

    private long applied() {
        String applied = redis.get(prefix + "applied");
        return applied == null ? 0 : Long.parseLong(applied);
    }

    @Nested
    class Batches {

        @Test
        void appliesEveryEventOnceAndMovesTheCheckpointWithIt() throws Exception {
            // given
            InMemoryEventSource source = BalancesProjection.events(1_000, 20, 1);

            // when
            long reached =
                    runner(BalancesProjection.create(NAME, prefix), source).catchUp();

            // then
            assertThat(reached).isEqualTo(999);
            assertThat(store.checkpoints().getCheckpoint(NAME)).isEqualTo(999);
            assertThat(applied()).isEqualTo(1_000);
            assertThat(redis.hgetall(prefix + "balances")).isEqualTo(BalancesProjection.fold(source, 1_000));
        }

        @Test
        void aBatchWhoseCheckpointMovedAppliesNothing() {
            // given: the checkpoint is at 4
            store.checkpoints().storeCheckpoint(NAME, 4);

            // when: a batch that expects 2 queues a write
            assertThatThrownBy(() -> store.inTransaction(StatementMode.BATCHED, tx -> {
                        store.advanceCheckpoint(tx, CheckpointKey.of(NAME), 2, 7);
                        tx.commands().set(prefix + "written", "yes");
                        return null;
                    }))
                    .isInstanceOf(CheckpointConflictException.class)
                    .hasMessageContaining("moved from 2 to 4");

            // then
            assertThat(redis.exists(prefix + "written")).isZero();
            assertThat(store.checkpoints().getCheckpoint(NAME)).isEqualTo(4);
        }

        @Test
        void aCheckpointWrittenBetweenClaimAndCommitRefusesTheWholeBatch() {
            // when: another writer moves the checkpoint after this batch claimed it
            assertThatThrownBy(() -> store.inTransaction(StatementMode.BATCHED, tx -> {
                        store.advanceCheckpoint(tx, CheckpointKey.of(NAME), -1, 3);
                        tx.commands().set(prefix + "written", "yes");
                        store.checkpoints().storeCheckpoint(NAME, 5);
                        tx.commands().incr(prefix + "applied");
                        return null;
                    }))
                    .isInstanceOf(CheckpointConflictException.class)
                    .hasMessageContaining("moved from -1 to 5");

            // then: EXEC was refused whole
            assertThat(redis.exists(prefix + "written", prefix + "applied")).isZero();
            assertThat(store.checkpoints().getCheckpoint(NAME)).isEqualTo(5);
        }

        @Test
        void aHandlerThatThrowsAfterQueuingLeavesNothingAndTheConnectionServesAgain() {
            // when
            assertThatThrownBy(() -> store.inTransaction(StatementMode.BATCHED, tx -> {
                        store.advanceCheckpoint(tx, CheckpointKey.of(NAME), -1, 0);
                        tx.commands().set(prefix + "written", "yes");
                        throw new IllegalStateException("handler bug");
                    }))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("handler bug");

            // then
            assertThat(redis.exists(prefix + "written")).isZero();
            assertThat(store.checkpoints().getCheckpoint(NAME)).isEqualTo(-1);
            store.inTransaction(StatementMode.BATCHED, tx -> {
                store.advanceCheckpoint(tx, CheckpointKey.of(NAME), -1, 0);
                tx.commands().set(prefix + "written", "later");
                return null;
            });
            assertThat(redis.get(prefix + "written")).isEqualTo("later");
        }

        @Test
        void handlersCannotReadInsideABatchAndCannotKeepTheTransaction() {
            // given
            redis.set(prefix + "committed", "42");
            RedisTransaction[] kept = new RedisTransaction[1];

            // when
            Object read = store.inTransaction(StatementMode.BATCHED, tx -> {
                kept[0] = tx;
                return tx.commands().get(prefix + "committed");
            });

            // then: the read was queued, its answer dropped; the transaction ended with the batch
            assertThat(read).isNull();
            assertThatThrownBy(() -> kept[0].commands())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is over");
        }

        @Test
        void aCommandFailingInsideExecPausesTheProjectionAndSaysWhatWasApplied() {
            // given: a key of the wrong type for the handler's HINCRBY
            redis.set(prefix + "balances", "not a hash");
            InMemoryEventSource source = BalancesProjection.events(10, 3, 2);
            ProjectionRunner runner = runner(BalancesProjection.create(NAME, prefix), source);

            // when
            StepResult first = runner.step();
            StepResult second = runner.step();

            // then
            assertThat(first).isInstanceOf(StepResult.Retrying.class);
            assertThat(((StepResult.Retrying) first).cause())
                    .hasMessageContaining("WRONGTYPE")
                    .hasMessageContaining("no rollback")
                    .hasMessageContaining("paused");
            assertThat(second).isInstanceOfAny(StepResult.Conflict.class, StepResult.Paused.class);
            assertThat(runner.step()).isInstanceOf(StepResult.Paused.class);
            assertThat(runner.status().state()).isEqualTo(ProjectionState.PAUSED);
        }
    }

    /** Steps {@code runner} until a command failing inside EXEC paused it; returns the failure it reported. */
    private static Throwable pausedByAFailingCommand(ProjectionRunner runner) {
        Throwable failure = ((StepResult.Retrying) runner.step()).cause();
        for (int i = 0; i < 10 && !(runner.step() instanceof StepResult.Paused); i++) {}
        assertThat(runner.status().state()).isEqualTo(ProjectionState.PAUSED);
        return failure;
    }

    @Nested
    class AfterACommandFailedInsideExec {

        final InMemoryEventSource source = BalancesProjection.events(250, 3, 2);

        @Test
        void theReplayAndResumeItsErrorNamesRebuildTheReadModelOnceTheDataIsFixed() throws Exception {
            // given: the first batch of 100 applied only in part (its HINCRBYs failed), the projection paused
            redis.set(prefix + "balances", "not a hash");
            ProjectionRunner runner = runner(BalancesProjection.create(NAME, prefix), source);
            assertThat(pausedByAFailingCommand(runner)).hasMessageContaining("then replay and resume");

            // when: the data is fixed, then replay and resume, as the error says
            redis.del(prefix + "balances");
            runner.replay();
            runner.resume();
            long reached = runner.catchUp();

            // then: rebuilt from the log
            assertThat(reached).isEqualTo(249);
            assertThat(redis.hgetall(prefix + "balances")).isEqualTo(BalancesProjection.fold(source, 250));
            assertThat(applied()).isEqualTo(250);
        }

        @Test
        void theResumeItsErrorNamesGoesOnWithTheReadModelAsItIs() throws Exception {
            // given
            redis.set(prefix + "balances", "not a hash");
            ProjectionRunner runner = runner(BalancesProjection.create(NAME, prefix), source);
            assertThat(pausedByAFailingCommand(runner)).hasMessageContaining("or only resume");

            // when
            redis.del(prefix + "balances");
            runner.resume();
            long reached = runner.catchUp();

            // then: the events after the partly applied batch are applied; that batch's balances stay missing
            assertThat(reached).isEqualTo(249);
            assertThat(applied()).isEqualTo(250);
            Map<String, Long> expected = new HashMap<>();
            source.read(99, 150).forEach(envelope -> {
                Deposit deposit = (Deposit) envelope.event();
                expected.merge(deposit.account(), deposit.amount(), Long::sum);
            });
            Map<String, Long> balances = new HashMap<>();
            redis.hgetall(prefix + "balances").forEach((account, sum) -> balances.put(account, Long.parseLong(sum)));
            assertThat(balances).isEqualTo(expected);
        }
    }

    @Nested
    class OperatorControls {

        @Test
        void replayFromMinusOneRebuildsTheReadModelFromEmpty() throws Exception {
            // given
            InMemoryEventSource source = BalancesProjection.events(500, 10, 3);
            ProjectionRunner runner = runner(BalancesProjection.create(NAME, prefix), source);
            runner.catchUp();

            // when
            runner.replay();
            assertThat(applied()).isZero();
            runner.catchUp();

            // then
            assertThat(applied()).isEqualTo(500);
            assertThat(redis.hgetall(prefix + "balances")).isEqualTo(BalancesProjection.fold(source, 500));
        }

        @Test
        void resetToMovesTheCheckpointWithoutTouchingTheReadModel() throws Exception {
            // given
            InMemoryEventSource source = BalancesProjection.events(50, 5, 4);
            ProjectionRunner runner = runner(BalancesProjection.create(NAME, prefix), source);
            runner.catchUp();

            // when
            runner.resetTo(39);
            runner.catchUp();

            // then: the last ten events applied a second time, as asked
            assertThat(applied()).isEqualTo(60);
            assertThat(store.checkpoints().getCheckpoint(NAME)).isEqualTo(49);
        }

        @Test
        void aPauseStopsBatchesForEveryRunnerUntilResumed() throws Exception {
            // given
            InMemoryEventSource source = BalancesProjection.events(300, 5, 5);
            ProjectionRunner runner = runner(BalancesProjection.create(NAME, prefix), source);
            runner.step();

            // when
            runner.pause();
            ProjectionRunner another = runner(BalancesProjection.create(NAME, prefix), source);

            // then
            assertThat(runner.step()).isInstanceOf(StepResult.Paused.class);
            assertThat(another.step()).isInstanceOf(StepResult.Paused.class);
            assertThat(another.status().state()).isEqualTo(ProjectionState.PAUSED);
            assertThat(applied()).isEqualTo(100);

            another.resume();
            assertThat(runner.catchUp()).isEqualTo(299);
            assertThat(applied()).isEqualTo(300);
        }

        @Test
        void aPauseDuringABatchRefusesItsCommit() {
            // when: the pause lands between the claim and EXEC
            assertThatThrownBy(() -> store.inTransaction(StatementMode.BATCHED, tx -> {
                        store.advanceCheckpoint(tx, CheckpointKey.of(NAME), -1, 0);
                        tx.commands().set(prefix + "written", "yes");
                        store.setPaused(CheckpointKey.of(NAME), true);
                        return null;
                    }))
                    .isInstanceOf(CheckpointConflictException.class)
                    .hasMessageContaining("paused");

            // then
            assertThat(redis.exists(prefix + "written")).isZero();
            assertThat(store.readCheckpoint(CheckpointKey.of(NAME)).paused()).isTrue();
        }
    }

    @Nested
    class Versions {

        @Test
        void aHigherVersionRebuildsInPlaceAndAnOlderRunnerThenRefusesToRun() throws Exception {
            // given: version 1 built the read model
            InMemoryEventSource source = BalancesProjection.events(200, 5, 6);
            runner(BalancesProjection.create(NAME, prefix), source).catchUp();
            assertThat(store.readCheckpoint(CheckpointKey.of(NAME)).version()).isEqualTo(1);

            // when: version 2 of the same projection counts double
            Projection<RedisTransaction> v2 = Projection.<RedisTransaction>builder(NAME)
                    .version(2)
                    .on(Deposit.class, (event, envelope, tx) -> tx.commands().incrby(prefix + "applied", 2))
                    .onReset(tx -> tx.commands().del(prefix + "balances", prefix + "applied"))
                    .build();
            runner(v2, source).catchUp();

            // then
            assertThat(applied()).isEqualTo(400);
            assertThat(redis.exists(prefix + "balances")).isZero();
            assertThat(store.readCheckpoint(CheckpointKey.of(NAME)).version()).isEqualTo(2);
            ProjectionRunner old = runner(BalancesProjection.create(NAME, prefix), source);
            assertThat(old.step()).isInstanceOf(StepResult.Failed.class);
            assertThat(old.status().lastError().orElseThrow().message()).contains("version 2");
        }

        /** Version {@code version} counts each deposit {@code version} times into keys named for its version. */
        private Projection<RedisTransaction> sideBySide(int version) {
            RebuildStrategy.VersionedTables<RedisTransaction> keys = new RebuildStrategy.VersionedTables<>() {
                @Override
                public void create(RedisTransaction tx, int v) {
                    tx.commands().del(prefix + "balances:v" + v, prefix + "applied:v" + v); // an earlier build's
                }

                @Override
                public void promote(RedisTransaction tx, int from, int to) {
                    tx.commands().set(prefix + "current", "v" + to);
                    tx.commands().del(prefix + "balances:v" + from, prefix + "applied:v" + from);
                }
            };
            return Projection.<RedisTransaction>builder(NAME)
                    .version(version)
                    .on(Deposit.class, (event, envelope, tx) -> {
                        tx.commands()
                                .hincrby(prefix + "balances:v" + version, event.account(), event.amount() * version);
                        tx.commands().incr(prefix + "applied:v" + version);
                    })
                    .onReset(tx -> tx.commands().del(prefix + "balances:v" + version, prefix + "applied:v" + version))
                    .rebuild(RebuildStrategy.sideBySide(keys))
                    .build();
        }

        @Test
        void aSideBySideRebuildBuildsTheNewKeysWhileReadersKeepTheOldThenSwitchesInOneExec() throws Exception {
            // given: version 1 built its keys from 300 events
            InMemoryEventSource source = BalancesProjection.events(300, 5, 16);
            runner(sideBySide(1), source).catchUp();
            Map<String, String> v1 = redis.hgetall(prefix + "balances:v1");
            assertThat(v1).isEqualTo(BalancesProjection.fold(source, 300));

            // when: version 2 takes one step
            ProjectionRunner v2 = runner(sideBySide(2), source);
            assertThat(v2.step()).isEqualTo(new StepResult.Committed(-1, 99, 100));

            // then: it builds under its own checkpoint; the projection's checkpoint and keys are untouched
            assertThat(store.readCheckpoint(CheckpointKey.of(NAME)))
                    .extracting(StoredCheckpoint::position, StoredCheckpoint::paused, StoredCheckpoint::version)
                    .containsExactly(299L, false, 1);
            assertThat(store.readCheckpoint(CheckpointKey.of(NAME + "@v2")).position())
                    .isEqualTo(99);
            assertThat(redis.hgetall(prefix + "balances:v1")).isEqualTo(v1);
            assertThat(redis.get(prefix + "applied:v2")).isEqualTo("100");

            // when: it catches up
            assertThat(v2.catchUp()).isEqualTo(299);

            // then: one EXEC moved the checkpoint and version, retired the build and switched the keys
            assertThat(store.readCheckpoint(CheckpointKey.of(NAME))).isEqualTo(new StoredCheckpoint(299, false, 2));
            assertThat(store.readCheckpoint(CheckpointKey.of(NAME + "@v2")).paused())
                    .isTrue();
            assertThat(redis.get(prefix + "current")).isEqualTo("v2");
            assertThat(redis.exists(prefix + "balances:v1", prefix + "applied:v1"))
                    .isZero();
            assertThat(redis.get(prefix + "applied:v2")).isEqualTo("300");
            Map<String, String> doubled = new java.util.HashMap<>();
            v1.forEach((account, sum) -> doubled.put(account, Long.toString(2 * Long.parseLong(sum))));
            assertThat(redis.hgetall(prefix + "balances:v2")).isEqualTo(doubled);

            // and: new events go to version 2's keys, each once
            source.append("acc-0", new Deposit("acc-0", 5));
            assertThat(v2.catchUp()).isEqualTo(300);
            assertThat(redis.get(prefix + "applied:v2")).isEqualTo("301");
            assertThat(redis.hget(prefix + "balances:v2", "acc-0"))
                    .isEqualTo(Long.toString(2 * Long.parseLong(v1.getOrDefault("acc-0", "0")) + 10));
        }
    }

    @Nested
    class FailurePolicies {

        private Projection<RedisTransaction> poisonAt(long poison, FailurePolicy policy) {
            return Projection.<RedisTransaction>builder(NAME)
                    .on(Deposit.class, (event, envelope, tx) -> {
                        if (envelope.position() == poison) {
                            throw new IllegalArgumentException("cannot handle " + event);
                        }
                        tx.commands().incr(prefix + "applied");
                    })
                    .failurePolicy(policy)
                    .build();
        }

        @Test
        void stopCommitsTheEventsBeforeThePoisonAndFailsNamingIt() throws Exception {
            // given
            InMemoryEventSource source = BalancesProjection.events(50, 5, 7);
            ProjectionRunner runner = runner(poisonAt(17, FailurePolicy.stop()), source);

            // when / then
            assertThatThrownBy(runner::catchUp).hasMessageContaining("position 17");
            assertThat(runner.status().state()).isEqualTo(ProjectionState.FAILED);
            assertThat(store.checkpoints().getCheckpoint(NAME)).isEqualTo(16);
            assertThat(applied()).isEqualTo(17);
        }

        @Test
        void skipRecordsADeadLetterWithTheCheckpointAndGoesOn() throws Exception {
            // given
            InMemoryEventSource source = BalancesProjection.events(50, 5, 8);
            ProjectionRunner runner = runner(poisonAt(17, FailurePolicy.skip()), source);

            // when
            runner.catchUp();

            // then
            assertThat(applied()).isEqualTo(49);
            assertThat(store.checkpoints().getCheckpoint(NAME)).isEqualTo(49);
            CheckpointKey key = CheckpointKey.of(NAME);
            assertThat(redis.zrange(store.deadLettersKey(key), 0, -1)).hasSize(1);
            Map<String, String> letter =
                    redis.hgetall(redis.zrange(store.deadLettersKey(key), 0, -1).getFirst());
            assertThat(letter)
                    .containsEntry("position", "17")
                    .containsEntry("event_type", "Deposit")
                    .containsEntry("error_class", IllegalArgumentException.class.getName());
            assertThat(letter.get("stack_trace")).contains("cannot handle");
        }
    }

    @Nested
    class Status {

        @Test
        void reportsCheckpointHeadLagAndStateAsOnPostgres() throws Exception {
            // given
            InMemoryEventSource source = BalancesProjection.events(250, 5, 9);
            ProjectionRunner runner = runner(BalancesProjection.create(NAME, prefix), source);

            // when
            runner.step();

            // then
            assertThat(runner.status().checkpoint()).isEqualTo(99);
            assertThat(runner.status().headPosition()).isEqualTo(249);
            assertThat(runner.status().lagEvents()).isEqualTo(150);
            assertThat(runner.status().state()).isEqualTo(ProjectionState.CATCHING_UP);
            runner.catchUp();
            assertThat(runner.status().state()).isEqualTo(ProjectionState.LIVE);
            assertThat(runner.status().eventsProcessed()).isEqualTo(250);
        }

        @Test
        void aLiveRunnerProjectsNewEventsAsTheyCome() {
            // given
            InMemoryEventSource source = BalancesProjection.events(10, 5, 10);
            try (ProjectionRunner runner = runner(BalancesProjection.create(NAME, prefix), source)) {
                runner.start();
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> runner.status().checkpoint() == 9);

                // when
                source.append("acc-new", new Deposit("acc-new", 5));

                // then
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> runner.status().checkpoint() == 10);
                assertThat(redis.hget(prefix + "balances", "acc-new")).isEqualTo("5");
            }
        }
    }
}
