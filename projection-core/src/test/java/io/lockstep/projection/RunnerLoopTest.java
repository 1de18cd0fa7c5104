package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.lockstep.projection.TestEvents.Blocking;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The runner's own loop: start, wake-ups, backoff, stop. */
class RunnerLoopTest extends RunnerFixture {

    @Nested
    class Loop {

        @Test
        void appliesEventsAppendedAfterStartAndGoesLive() {
            // given
            ProjectionRunner runner = tracked(runnerFor(counting().build()).build());
            runner.start();

            // when
            appendDeposits(5);

            // then
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(readModel.applications()).isEqualTo(onceEach(0, 4));
                ProjectionStatus status = runner.status();
                assertThat(status.state()).isEqualTo(ProjectionState.LIVE);
                assertThat(status.checkpoint()).isEqualTo(4L);
                assertThat(status.lagEvents()).isZero();
            });
            appendDeposits(3);
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(readModel.applications()).isEqualTo(onceEach(0, 7));
                assertThat(runner.status().lagEvents()).isZero();
            });
        }

        @Test
        void stopReturnsAndLeavesTheRunnerStopped() {
            // given
            appendDeposits(3);
            ProjectionRunner runner = tracked(runnerFor(counting().build()).build());
            runner.start();
            await().atMost(PATIENCE).until(() -> runner.status().checkpoint() == 2L);

            // when
            runner.stop();

            // then
            assertThat(runner.status().state()).isEqualTo(ProjectionState.STOPPED);
            assertThat(runner.status().checkpoint()).isEqualTo(2L);
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 2));
        }

        @Test
        void stopIsIdempotent() {
            // given
            ProjectionRunner runner = tracked(runnerFor(counting().build()).build());
            runner.start();

            // when
            runner.stop();
            runner.stop();
            runner.close();

            // then
            assertThat(runner.status().state()).isEqualTo(ProjectionState.STOPPED);
        }

        @Test
        void stopWithoutStartDoesNothing() {
            // given
            ProjectionRunner runner = runnerFor(counting().build()).build();

            // when
            runner.stop();

            // then
            assertThat(runner.status().state()).isEqualTo(ProjectionState.STARTING);
        }

        @Test
        void stopInterruptsTheWaitForNewEvents() {
            // given
            ProjectionRunner runner = tracked(runnerFor(counting().build())
                    .idleWait(Duration.ofMinutes(1))
                    .build());
            runner.start();
            await().atMost(PATIENCE).until(() -> runner.status().state() == ProjectionState.LIVE);

            // when
            assertTimeoutPreemptively(Duration.ofSeconds(5), runner::stop);

            // then
            assertThat(runner.status().state()).isEqualTo(ProjectionState.STOPPED);
        }

        @Test
        void stopInterruptsTheBackoffAfterAFailure() {
            // given
            appendDepositsWithPoisonAt(2, 0);
            ProjectionRunner runner = tracked(runnerFor(countingWithPoison().build())
                    .retryPolicy(new RetryPolicy(3, Duration.ofMinutes(1), Duration.ofMinutes(1)))
                    .build());
            runner.start();
            await().atMost(PATIENCE).until(() -> runner.status().lastError().isPresent());

            // when
            assertTimeoutPreemptively(Duration.ofSeconds(5), runner::stop);

            // then
            assertThat(runner.status().state()).isEqualTo(ProjectionState.STOPPED);
            assertThat(storedCheckpoint()).isEqualTo(-1L);
            assertThat(readModel.size()).isZero();
        }

        @Test
        void aStopBeforeStartDoesNothingAndStartStillRuns() {
            // given
            ProjectionRunner runner = tracked(runnerFor(counting().build()).build());
            runner.stop();

            // when
            runner.start();
            appendDeposits(1);

            // then
            await().atMost(PATIENCE)
                    .untilAsserted(() -> assertThat(readModel.applications()).isEqualTo(onceEach(0, 0)));
            assertThat(runner.status().state()).isNotEqualTo(ProjectionState.STOPPED);
        }

        @Test
        void refusesToStartTwice() {
            // given
            ProjectionRunner runner = tracked(runnerFor(counting().build()).build());
            runner.start();

            // when / then
            assertThatIllegalStateException().isThrownBy(runner::start).withMessageContaining("already started");
        }

        @Test
        void refusesToStartAgainAfterStop() {
            // given
            ProjectionRunner runner = tracked(runnerFor(counting().build()).build());
            runner.start();
            runner.stop();

            // when / then
            assertThatIllegalStateException().isThrownBy(runner::start);
        }

        @Test
        void closeStopsTheLoop() {
            // given
            AtomicReference<Thread> loopThread = new AtomicReference<>();
            ProjectionRunner runner = tracked(runnerFor(counting().build())
                    .threadFactory(task -> {
                        Thread thread =
                                Thread.ofPlatform().name("loop-under-test").unstarted(task);
                        loopThread.set(thread);
                        return thread;
                    })
                    .build());

            // when
            try (runner) {
                runner.start();
                appendDeposits(2);
                await().atMost(PATIENCE).until(() -> readModel.size() == 2);
            }

            // then
            assertThat(loopThread.get()).isNotNull();
            assertThat(loopThread.get().isAlive()).isFalse();
            assertThat(runner.status().state()).isEqualTo(ProjectionState.STOPPED);
        }

        @Test
        void resumesFromTheStoredCheckpointWithoutReapplying() throws Exception {
            // given
            appendDeposits(5);
            ProjectionRunner first = tracked(runnerFor(counting().build()).build());
            first.start();
            await().atMost(PATIENCE).until(() -> storedCheckpoint() == 4L);
            first.stop();

            // when
            ProjectionRunner second = tracked(runnerFor(counting().build()).build());
            StepResult resumed = second.step();
            appendDeposits(2);
            second.start();

            // then
            assertThat(resumed).isEqualTo(new StepResult.Idle(4));
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(readModel.applications()).isEqualTo(onceEach(0, 6));
                assertThat(second.status().checkpoint()).isEqualTo(6L);
            });
            assertThat(second.status().eventsProcessed()).isEqualTo(2L);
        }

        @Test
        void endsInStateFailedOnAPoisonEventUnderStop() {
            // given
            ProjectionRunner runner =
                    tracked(runnerFor(countingWithPoison().build()).build());
            runner.start();

            // when
            appendDepositsWithPoisonAt(3, 1);

            // then
            await().atMost(PATIENCE).until(() -> runner.status().state() == ProjectionState.FAILED);
            runner.stop();
            assertThat(runner.status().state()).isEqualTo(ProjectionState.FAILED);
            assertThat(runner.status().lastError())
                    .hasValueSatisfying(e -> assertThat(e.position()).isEqualTo(1L));
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 0));
            assertThat(storedCheckpoint()).isZero();
        }

        @Test
        void goesOnPastAPoisonEventUnderSkip() {
            // given
            ProjectionRunner runner = tracked(runnerFor(countingWithPoison()
                            .failurePolicy(FailurePolicy.skip())
                            .build())
                    .build());
            runner.start();

            // when
            appendDepositsWithPoisonAt(4, 1);

            // then
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(readModel.applications()).isEqualTo(onceEach(LongStream.of(0, 2, 3)));
                assertThat(store.deadLetters()).hasSize(1);
                assertThat(runner.status().state()).isEqualTo(ProjectionState.LIVE);
            });
        }

        @Test
        void retriesTransientFailuresUntilEverythingIsApplied() {
            // given
            appendDeposits(4);
            store.failNextCommits(3);
            ProjectionRunner runner = tracked(runnerFor(counting().build())
                    .retryPolicy(new RetryPolicy(1, Duration.ZERO, Duration.ofMillis(5)))
                    .build());

            // when
            runner.start();

            // then
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(readModel.applications()).isEqualTo(onceEach(0, 3));
                assertThat(runner.status().state()).isEqualTo(ProjectionState.LIVE);
            });
        }

        @Test
        void stopWaitsForTheBatchInFlightWhichCommitsWhole() throws Exception {
            // given
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicBoolean handlerReturned = new AtomicBoolean();
            Projection<InMemoryTransaction> projection = counting()
                    .on(Blocking.class, (event, envelope, tx) -> {
                        readModel.stage(envelope, tx);
                        entered.countDown();
                        boolean released = release.await(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                        handlerReturned.set(released);
                    })
                    .build();
            AtomicReference<Thread> loopThread = new AtomicReference<>();
            ProjectionRunner runner = tracked(runnerFor(projection)
                    .threadFactory(task -> {
                        Thread thread =
                                Thread.ofPlatform().name("loop-under-test").unstarted(task);
                        loopThread.set(thread);
                        return thread;
                    })
                    .build());
            appendDeposits(2);
            source.append("b", new Blocking("hold on"));
            appendDeposit();
            runner.start();
            assertThat(entered.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();

            // when
            CountDownLatch stopReturned = new CountDownLatch(1);
            AtomicBoolean handlerDoneAtStopReturn = new AtomicBoolean();
            AtomicBoolean loopAliveAtStopReturn = new AtomicBoolean(true);
            AtomicLong checkpointAtStopReturn = new AtomicLong(Long.MIN_VALUE);
            AtomicReference<Map<Long, Integer>> readModelAtStopReturn = new AtomicReference<>();
            Thread stopper = Thread.ofPlatform().name("stopper").start(() -> {
                runner.stop();
                handlerDoneAtStopReturn.set(handlerReturned.get());
                loopAliveAtStopReturn.set(loopThread.get().isAlive());
                checkpointAtStopReturn.set(storedCheckpoint());
                readModelAtStopReturn.set(readModel.applications());
                stopReturned.countDown();
            });
            await().atMost(PATIENCE)
                    .until(() -> stopper.getState() == Thread.State.WAITING || stopReturned.getCount() == 0);
            boolean returnedWhileHandlerBlocked = stopReturned.getCount() == 0;
            release.countDown();

            // then
            assertThat(stopReturned.await(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                    .isTrue();
            assertThat(returnedWhileHandlerBlocked)
                    .as("stop returned while the handler was blocked")
                    .isFalse();
            assertThat(handlerDoneAtStopReturn)
                    .as("handler finished when stop returned")
                    .isTrue();
            assertThat(loopAliveAtStopReturn)
                    .as("loop thread alive when stop returned")
                    .isFalse();
            assertThat(readModelAtStopReturn.get())
                    .as("the batch commits whole or not at all")
                    .satisfiesAnyOf(
                            applied -> assertThat(applied).isEmpty(),
                            applied -> assertThat(applied).isEqualTo(onceEach(0, 3)));
            assertThat(checkpointAtStopReturn.get())
                    .isEqualTo(readModelAtStopReturn.get().isEmpty() ? -1L : 3L);
            assertThat(runner.status().state()).isEqualTo(ProjectionState.STOPPED);
        }
    }
}
