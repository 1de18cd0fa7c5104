package io.lockstep.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lockstep.projection.AheadOfSourcePolicy;
import io.lockstep.projection.Envelope;
import io.lockstep.projection.EventSource;
import io.lockstep.projection.InMemoryEventSource;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.StepResult;
import io.lockstep.redis.testing.BalancesProjection;
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
                .whenAheadOfSource(policy).build();
    }

    @Test
    void stopsAtStartNamingBothPositions() throws Exception {
        // given: Redis holds the projection of 1,000 events; the log was restored to 500
        runner(BalancesProjection.events(1_000, 10, 1), AheadOfSourcePolicy.stop()).catchUp();
        InMemoryEventSource restored = BalancesProjection.events(500, 10, 2);

        // when
        ProjectionRunner runner = runner(restored, AheadOfSourcePolicy.stop());
        StepResult result = runner.step();

        // then: nothing applied, the error names the checkpoint and the head
        assertThat(result).isInstanceOf(StepResult.Failed.class);
        assertThat(runner.status().state()).isEqualTo(ProjectionState.FAILED);
        assertThat(runner.status().lastError().orElseThrow().message()).contains("at position 999")
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
        assertThat(runner.status().lastError().orElseThrow().message()).contains("checkpoint 999")
                .contains("restored from an older backup");
        assertThat(connection.sync().get(prefix + "applied")).isEqualTo("1000");
    }

    @Test
    void rebuildsFromTheRestoredLogWhenConfigured() throws Exception {
        // given
        runner(BalancesProjection.events(1_000, 10, 1), AheadOfSourcePolicy.stop()).catchUp();
        InMemoryEventSource restored = BalancesProjection.events(500, 10, 2);

        // when
        long reached = runner(restored, AheadOfSourcePolicy.rebuild()).catchUp();

        // then: the read model is the fold of the log as it now is
        assertThat(reached).isEqualTo(499);
        assertThat(connection.sync().get(prefix + "applied")).isEqualTo("500");
        assertThat(connection.sync().hgetall(prefix + "balances")).isEqualTo(BalancesProjection.fold(restored, 500));
    }
}
