package io.lockstep.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lockstep.projection.AheadOfSourcePolicy;
import io.lockstep.projection.CheckpointKey;
import io.lockstep.projection.Envelope;
import io.lockstep.projection.EventIdentity;
import io.lockstep.projection.EventSource;
import io.lockstep.projection.InMemoryEventSource;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.StatementMode;
import io.lockstep.projection.StepResult;
import io.lockstep.projection.StoredCheckpoint;
import io.lockstep.redis.testing.BalancesProjection;
import io.lockstep.redis.testing.Deposit;
import io.lockstep.redis.testing.TestRedis;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis kept its read model and checkpoint while the event log was restored from an older backup: the
 * runner must not read on after a checkpoint the log no longer reaches.
 */
class RedisAheadOfSourceTest {

    private final String prefix = TestRedis.uniquePrefix();
    private RedisProjectionStore store;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    @BeforeEach
    void connect() {
        store = RedisProjectionStore.builder(TestRedis.uri()).keyPrefix(prefix).build();
        client = RedisClient.create(TestRedis.uri());
        connection = client.connect();
    }

    @AfterEach
    void disconnect() {
        store.close();
        connection.close();
        client.shutdown();
        TestRedis.deleteKeys(TestRedis.uri(), prefix);
    }

    /** A source whose log a test swaps, as a restore from a backup would. */
    private static final class RestorableSource implements EventSource {
        volatile InMemoryEventSource current;

        RestorableSource(InMemoryEventSource initial) {
            this.current = initial;
        }

        @Override
        public List<Envelope> read(long afterPosition, int maxEvents) {
            return current.read(afterPosition, maxEvents);
        }

        @Override
        public long headPosition() {
            return current.headPosition();
        }

        @Override
        public boolean awaitEvents(long afterPosition, Duration timeout) throws InterruptedException {
            return current.awaitEvents(afterPosition, timeout);
        }
    }

    private ProjectionRunner runner(InMemoryEventSource source, AheadOfSourcePolicy policy) {
        return ProjectionRunner.builder(BalancesProjection.create("balances", prefix), store, source)
                .whenAheadOfSource(policy)
                .build();
    }

    @Test
    void stopsAtStartNamingBothPositions() throws Exception {
        // given: Redis holds the projection of 1,000 events; the log was restored to 500
        runner(BalancesProjection.events(1_000, 10, 1), AheadOfSourcePolicy.stop())
                .catchUp();
        InMemoryEventSource restored = BalancesProjection.events(500, 10, 2);

        // when
        ProjectionRunner runner = runner(restored, AheadOfSourcePolicy.stop());
        StepResult result = runner.step();

        // then: nothing applied, the error names the checkpoint and the head
        assertThat(result).isInstanceOf(StepResult.Failed.class);
        assertThat(runner.status().state()).isEqualTo(ProjectionState.FAILED);
        assertThat(runner.status().lastError().orElseThrow().message())
                .contains("at position 999")
                .contains("head is at 499");
        assertThat(connection.sync().get(prefix + "applied")).isEqualTo("1000");
        assertThat(store.checkpoints().getCheckpoint("balances")).isEqualTo(999);
    }

    @Test
    void noticesWhileRunningALogRestoredAndGrownPastTheCheckpointAgain() throws Exception {
        // given: a runner at 999
        RestorableSource source = new RestorableSource(BalancesProjection.events(1_000, 10, 1));
        ProjectionRunner runner = ProjectionRunner.builder(BalancesProjection.create("balances", prefix), store, source)
                .build();
        runner.catchUp();

        // when: the log is restored from a backup of 500 events and 700 new ones arrive before the next step
        source.current = BalancesProjection.events(1_200, 10, 3);
        StepResult result = runner.step();

        // then: it stops instead of reading on after 999 (which would skip 500..999 of the new events)
        assertThat(result).isInstanceOf(StepResult.Failed.class);
        assertThat(runner.status().lastError().orElseThrow().message())
                .contains("checkpoint 999")
                .contains("restored from an older backup");
        assertThat(connection.sync().get(prefix + "applied")).isEqualTo("1000");
    }

    /**
     * The log restored from a backup of its first {@code kept} events of {@code original}, then grown to
     * {@code grownTo} events by new deposits on streams the original never had, so every reused position holds
     * another event.
     */
    private static InMemoryEventSource restoredAndGrown(InMemoryEventSource original, int kept, int grownTo) {
        InMemoryEventSource restored = new InMemoryEventSource();
        original.read(-1, kept).forEach(envelope -> restored.append(envelope.streamId(), envelope.event()));
        for (int i = kept; i < grownTo; i++) {
            String account = "new-acc-" + (i % 10);
            restored.append(account, new Deposit(account, 1 + i % 1000));
        }
        return restored;
    }

    @Test
    void recordsTheEventAtTheCheckpointInTheCheckpointsHash() throws Exception {
        // given
        InMemoryEventSource source = BalancesProjection.events(1_000, 10, 1);

        // when
        runner(source, AheadOfSourcePolicy.stop()).catchUp();

        // then: the hash the batch's EXEC wrote names the event at 999, and the store returns it
        Envelope last = source.read(998, 1).getFirst();
        assertThat(connection.sync().hgetall(store.checkpointKey(CheckpointKey.of("balances"))))
                .containsEntry("position", "999")
                .containsEntry("last_position", "999")
                .containsEntry("last_stream_id", last.streamId())
                .containsEntry("last_stream_version", Long.toString(last.streamVersion()))
                .containsEntry("last_event_type", last.eventType());
        assertThat(store.readCheckpoint(CheckpointKey.of("balances")).lastEvent())
                .isEqualTo(EventIdentity.of(last));
    }

    @Test
    void aRunnerStartingAfterTheLogWasRestoredAndGrewPastTheCheckpointStopsNamingBothEvents() throws Exception {
        // given: Redis holds the projection of 1,000 events; the log was restored to its first 500 and has grown
        // to 1,200 with other events, so the head (1,199) is past the checkpoint (999) again
        InMemoryEventSource original = BalancesProjection.events(1_000, 10, 1);
        runner(original, AheadOfSourcePolicy.stop()).catchUp();
        InMemoryEventSource restored = restoredAndGrown(original, 500, 1_200);

        // when: a runner starts in a new process (a new store: nothing in memory)
        try (RedisProjectionStore restarted =
                RedisProjectionStore.builder(TestRedis.uri()).keyPrefix(prefix).build()) {
            ProjectionRunner runner = ProjectionRunner.builder(
                            BalancesProjection.create("balances", prefix), restarted, restored)
                    .build();
            StepResult result = runner.step();

            // then: it stops before applying anything after 999 (it would skip 500..999 of the new log), naming
            // the position and both events
            assertThat(result).isInstanceOf(StepResult.Failed.class);
            assertThat(runner.status().state()).isEqualTo(ProjectionState.FAILED);
            assertThat(runner.status().lastError().orElseThrow().message())
                    .contains("the event at checkpoint 999")
                    .contains("is now " + restored.read(998, 1).getFirst().describe())
                    .contains("committed after "
                            + original.read(998, 1).getFirst().describe())
                    .contains("restored from an older backup");
            assertThat(connection.sync().get(prefix + "applied")).isEqualTo("1000");
            assertThat(restarted.checkpoints().getCheckpoint("balances")).isEqualTo(999);
        }
    }

    @Test
    void aRunnerStartingAfterTheLogWasRestoredAndGrewRebuildsWhenConfigured() throws Exception {
        // given
        InMemoryEventSource original = BalancesProjection.events(1_000, 10, 1);
        runner(original, AheadOfSourcePolicy.stop()).catchUp();
        InMemoryEventSource restored = restoredAndGrown(original, 500, 1_200);

        // when
        long reached = runner(restored, AheadOfSourcePolicy.rebuild()).catchUp();

        // then: the read model is the fold of the log as it now is, no event skipped
        assertThat(reached).isEqualTo(1_199);
        assertThat(connection.sync().get(prefix + "applied")).isEqualTo("1200");
        assertThat(connection.sync().hgetall(prefix + "balances")).isEqualTo(BalancesProjection.fold(restored, 1_200));
    }

    @Test
    void aRunnerStartingOnTheSameLogGrownGoesOn() throws Exception {
        // given: the projection of 1,000 events; the same log then grows by 200
        InMemoryEventSource source = BalancesProjection.events(1_000, 10, 1);
        runner(source, AheadOfSourcePolicy.stop()).catchUp();
        for (int i = 0; i < 200; i++) {
            source.append("acc-" + (i % 10), new Deposit("acc-" + (i % 10), 1));
        }

        // when: a runner starts
        long reached = runner(source, AheadOfSourcePolicy.stop()).catchUp();

        // then: the recorded event matches, so it reads on
        assertThat(reached).isEqualTo(1_199);
        assertThat(connection.sync().get(prefix + "applied")).isEqualTo("1200");
        assertThat(connection.sync().hgetall(prefix + "balances")).isEqualTo(BalancesProjection.fold(source, 1_200));
    }

    @Test
    void theEventIsRecordedByTheBatchsExecOrNotAtAll() {
        // given
        InMemoryEventSource source = BalancesProjection.events(10, 3, 4);
        Envelope first = source.read(-1, 1).getFirst();
        Envelope fifth = source.read(3, 1).getFirst();
        CheckpointKey key = CheckpointKey.of("balances");

        // when: a batch claims 0 and fails before its EXEC
        assertThatThrownBy(() -> store.inTransaction(StatementMode.IMMEDIATE, tx -> {
                    store.advanceCheckpoint(tx, key, -1, first);
                    tx.commands().incr(prefix + "applied");
                    throw new IllegalStateException("handler failed");
                }))
                .hasMessageContaining("handler failed");

        // then: neither the position nor the event was written
        assertThat(store.readCheckpoint(key)).isEqualTo(StoredCheckpoint.NONE);

        // when: batches commit
        store.inTransaction(StatementMode.IMMEDIATE, tx -> {
            store.advanceCheckpoint(tx, key, -1, first);
            return null;
        });
        assertThat(store.readCheckpoint(key).lastEvent()).isEqualTo(EventIdentity.of(first));
        store.inTransaction(StatementMode.IMMEDIATE, tx -> {
            store.advanceCheckpoint(tx, key, 0, fifth);
            return null;
        });

        // then: position and event moved together
        assertThat(store.readCheckpoint(key)).isEqualTo(new StoredCheckpoint(4, false, 0, EventIdentity.of(fifth)));
    }

    @Test
    void aResetForgetsTheRecordedEvent() throws Exception {
        // given
        InMemoryEventSource source = BalancesProjection.events(100, 10, 1);
        runner(source, AheadOfSourcePolicy.stop()).catchUp();

        // when: an operator moves the checkpoint by hand
        store.checkpoints().resetCheckpoint("balances", 50);

        // then: no event is claimed for position 50, and the hash keeps no stale one
        assertThat(store.readCheckpoint(CheckpointKey.of("balances")).lastEvent())
                .isNull();
        assertThat(connection.sync().hkeys(store.checkpointKey(CheckpointKey.of("balances"))))
                .doesNotContain("last_position", "last_stream_id", "last_stream_version", "last_event_type");
    }

    @Test
    void rebuildsFromTheRestoredLogWhenConfigured() throws Exception {
        // given
        runner(BalancesProjection.events(1_000, 10, 1), AheadOfSourcePolicy.stop())
                .catchUp();
        InMemoryEventSource restored = BalancesProjection.events(500, 10, 2);

        // when
        long reached = runner(restored, AheadOfSourcePolicy.rebuild()).catchUp();

        // then: the read model is the fold of the log as it now is
        assertThat(reached).isEqualTo(499);
        assertThat(connection.sync().get(prefix + "applied")).isEqualTo("500");
        assertThat(connection.sync().hgetall(prefix + "balances")).isEqualTo(BalancesProjection.fold(restored, 500));
    }
}
