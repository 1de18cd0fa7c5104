package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.projection.TestEvents.Deposited;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Read-your-writes: {@link ProjectionRunner#awaitCheckpoint} completes once the stored checkpoint passes a position. */
class AwaitCheckpointTest {

    private final InMemoryProjectionStore store = ProjectionStore.inMemory();
    private final InMemoryEventSource source = new InMemoryEventSource();
    private final Projection<InMemoryTransaction> projection = Projection.<InMemoryTransaction>builder("balances")
            .on(Deposited.class, (event, envelope, tx) -> {})
            .build();
    private final ProjectionRunner runner = ProjectionRunner.builder(projection, store, source)
            .idleWait(Duration.ofMillis(20))
            .build();

    @AfterEach
    void stopRunner() {
        runner.stop();
    }

    @Test
    void completesOnceTheRunningProjectionHasProcessedTheAppendedPosition() throws Exception {
        // given
        runner.start();
        // when
        long position = 0;
        for (int i = 0; i < 50; i++) {
            position = source.append("acc-1", new Deposited("acc-1", i)).position();
        }
        long reached = runner.awaitCheckpoint(position, Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
        // then
        assertThat(reached).isGreaterThanOrEqualTo(position);
        assertThat(store.readCheckpoint(runner.key()).position()).isGreaterThanOrEqualTo(position);
    }

    @Test
    void waitsWhileTheProjectionIsBehindAndCompletesWhenItCatchesUp() throws Exception {
        // given: events stored, nothing projected yet
        long position = source.append("acc-1", new Deposited("acc-1", 5)).position();
        CompletableFuture<Long> waiting = runner.awaitCheckpoint(position, Duration.ofSeconds(10));
        // then: not before the checkpoint is there
        assertThat(waiting).isNotDone();
        // when
        runner.catchUp();
        // then
        assertThat(waiting.get(15, TimeUnit.SECONDS)).isEqualTo(position);
    }

    @Test
    void seesACheckpointMovedByAnotherRunnerOfTheSameProjection() throws Exception {
        // given: a second runner (think: another process) processes the events; ours never runs
        ProjectionRunner other =
                ProjectionRunner.builder(projection, store, source).build();
        long position = source.append("acc-1", new Deposited("acc-1", 5)).position();
        CompletableFuture<Long> waiting = runner.awaitCheckpoint(position, Duration.ofSeconds(10));
        // when
        other.catchUp();
        // then: found by reading the store, without a local commit to wake it
        assertThat(waiting.get(15, TimeUnit.SECONDS)).isEqualTo(position);
    }

    @Test
    void failsWithTheCheckpointReachedWhenTheTimeRunsOut() {
        // given: a position the projection cannot reach
        long position = source.append("acc-1", new Deposited("acc-1", 5)).position();
        // when
        CompletableFuture<Long> waiting = runner.awaitCheckpoint(position + 10, Duration.ofMillis(200));
        // then
        assertThatThrownBy(waiting::join)
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOfSatisfying(CheckpointTimeoutException.class, timedOut -> {
                    assertThat(timedOut.position()).isEqualTo(position + 10);
                    assertThat(timedOut.checkpoint()).isEqualTo(-1);
                    assertThat(timedOut.getMessage())
                            .contains("balances", "position " + (position + 10), "checkpoint is -1");
                });
    }

    @Test
    void positionMinusOneIsReachedAtOnce() throws Exception {
        assertThat(runner.awaitCheckpoint(-1, Duration.ZERO).get(5, TimeUnit.SECONDS))
                .isEqualTo(-1);
    }

    @Test
    void refusesPositionsBelowMinusOneAndTimeoutsOutOfRange() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> runner.awaitCheckpoint(-2, Duration.ofSeconds(1)))
                .withMessageContaining("-2");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> runner.awaitCheckpoint(1, Duration.ofSeconds(-1)))
                .withMessageContaining("PT-1S");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> runner.awaitCheckpoint(1, Duration.ofDays(2)))
                .withMessageContaining("PT48H");
    }
}
