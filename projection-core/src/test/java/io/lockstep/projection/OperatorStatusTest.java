package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** What the operator sees: the loop under operator commands, status and listeners. */
class OperatorStatusTest extends OperatorFixture {

    @Nested
    class Loop {

        @Test
        void survivesTwentyPausesAndResumesInARow() {
            // given
            ProjectionRunner runner = tracked(runnerFor(counting().build()).build());
            appendDeposits(3);
            runner.start();
            await().atMost(PATIENCE).until(() -> history.size() == 3);

            // when
            for (int i = 0; i < 20; i++) {
                runner.pause();
                runner.resume();
            }
            appendDeposits(3);

            // then
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(history.applications()).isEqualTo(onceEach(0, 5));
                assertThat(runner.status().checkpoint()).isEqualTo(5L);
            });
            assertThat(runner.status().state()).isNotEqualTo(ProjectionState.STOPPED);
            assertThat(stored().paused()).isFalse();
        }

        @Test
        void aLoopStartedPausedAppliesOnlyAfterResume() {
            // given
            appendDeposits(3);
            ProjectionRunner runner = tracked(runnerFor(counting().build()).build());
            runner.pause();
            runner.start();
            await().atMost(PATIENCE).until(() -> runner.status().state() == ProjectionState.PAUSED);
            assertThat(history.size()).isZero();

            // when
            runner.resume();

            // then
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(history.applications()).isEqualTo(onceEach(0, 2));
                assertThat(runner.status().state()).isEqualTo(ProjectionState.LIVE);
            });
        }
    }

    @Nested
    class Status {

        @Test
        void lagSecondsIsZeroWhenCaughtUp() throws Exception {
            // given: events appended a minute before the runner reads them
            appendDeposits(10);
            clock.advance(Duration.ofMinutes(1));
            ProjectionRunner runner = runnerFor(counting().build()).batchSize(3).build();

            // when
            runner.catchUp();

            // then
            assertThat(runner.status().lagEvents()).isZero();
            assertThat(runner.status().lagSeconds()).isZero();
        }

        @Test
        void lagSecondsCountsHowLongTheWaitingEventsHaveWaited() {
            // given: events appended five seconds before the runner reads them
            appendDeposits(10);
            clock.advance(Duration.ofSeconds(5));
            ProjectionRunner runner = runnerFor(counting().build()).batchSize(3).build();

            // when
            runner.step();
            double afterFirstBatch = runner.status().lagSeconds();
            clock.advance(Duration.ofSeconds(3));
            double threeSecondsLater = runner.status().lagSeconds();

            // then
            assertThat(runner.status().lagEvents()).isEqualTo(7L);
            assertThat(afterFirstBatch).isPositive().isEqualTo(5.0);
            assertThat(threeSecondsLater).isEqualTo(8.0);
        }

        @Test
        void eventsPerSecondAveragesTheCommitsOfTheLastMinute() {
            // given
            appendDeposits(120);
            ProjectionRunner runner =
                    runnerFor(counting().build()).batchSize(500).build();

            // when: 120 events committed within one second
            runner.step();

            // then
            assertThat(runner.status().eventsPerSecond()).isEqualTo(2.0);
        }

        @Test
        void eventsPerSecondForgetsCommitsOlderThanAMinute() {
            // given: 120 events committed, then 60 more half a minute later
            ProjectionRunner runner =
                    runnerFor(counting().build()).batchSize(500).build();
            appendDeposits(120);
            runner.step();
            clock.advance(Duration.ofSeconds(30));
            appendDeposits(60);
            runner.step();
            double bothInTheMinute = runner.status().eventsPerSecond();

            // when
            clock.advance(Duration.ofSeconds(31));
            double firstOutOfTheMinute = runner.status().eventsPerSecond();
            clock.advance(Duration.ofSeconds(30));
            double bothOutOfTheMinute = runner.status().eventsPerSecond();

            // then
            assertThat(bothInTheMinute).isEqualTo(3.0);
            assertThat(firstOutOfTheMinute).isEqualTo(1.0);
            assertThat(bothOutOfTheMinute).isZero();
        }
    }

    @Nested
    class Listener {

        @Test
        void hearsEachCommittedBatchOnceWithItsEventCount() throws Exception {
            // given
            appendDeposits(7);
            RecordingListener listener = new RecordingListener();
            ProjectionRunner runner = runnerFor(counting().build())
                    .batchSize(3)
                    .listener(listener)
                    .build();

            // when
            runner.catchUp();

            // then
            assertThat(listener.committedBatches).containsExactly(3, 3, 1);
            assertThat(listener.checkpointsAtCommit).containsExactly(2L, 5L, 6L);
        }

        @Test
        void hearsTheChangeToPaused() {
            // given
            appendDeposits(3);
            RecordingListener listener = new RecordingListener();
            ProjectionRunner runner =
                    runnerFor(counting().build()).listener(listener).build();
            runner.pause();

            // when
            runner.step();

            // then
            assertThat(listener.states).containsExactly(ProjectionState.PAUSED);
            assertThat(listener.committedBatches).isEmpty();
        }

        @Test
        void aThrowingListenerDoesNotDisturbTheRunner() throws Exception {
            // given
            appendDeposits(5);
            AtomicInteger calls = new AtomicInteger();
            ProjectionListener throwing = new ProjectionListener() {
                @Override
                public void batchCommitted(ProjectionStatus status, int events, Duration duration) {
                    calls.incrementAndGet();
                    throw new IllegalStateException("metrics down");
                }

                @Override
                public void batchFailed(ProjectionStatus status, StepResult result) {
                    calls.incrementAndGet();
                    throw new IllegalStateException("metrics down");
                }

                @Override
                public void stateChanged(ProjectionStatus status) {
                    calls.incrementAndGet();
                    throw new IllegalStateException("metrics down");
                }
            };
            ProjectionRunner runner = runnerFor(counting().build())
                    .batchSize(2)
                    .listener(throwing)
                    .build();

            // when
            List<StepResult> results = stepUntilIdle(runner);
            runner.pause();
            StepResult paused = runner.step();

            // then
            assertThat(results)
                    .containsExactly(
                            new StepResult.Committed(-1, 1, 2),
                            new StepResult.Committed(1, 3, 2),
                            new StepResult.Committed(3, 4, 1),
                            new StepResult.Idle(4));
            assertThat(paused).isEqualTo(new StepResult.Paused(4));
            assertThat(history.applications()).isEqualTo(onceEach(0, 4));
            assertThat(stored().position()).isEqualTo(4L);
            assertThat(runner.status().state()).isEqualTo(ProjectionState.PAUSED);
            assertThat(calls.get()).isGreaterThanOrEqualTo(4);
        }
    }
}
