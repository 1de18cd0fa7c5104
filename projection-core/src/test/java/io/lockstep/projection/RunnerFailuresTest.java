package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.projection.TestEvents.Deposited;
import io.lockstep.projection.TestEvents.Poison;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Failing handlers, the stop and skip policies, and failures of the environment. */
class RunnerFailuresTest extends RunnerFixture {

    @Nested
    class HandlerFailures {

        @Test
        void rollsBackTheWholeBatchAndRetries() {
            // given
            appendDepositsWithPoisonAt(4, 2);
            ProjectionRunner runner = runnerFor(countingWithPoison().build()).build();

            // when
            StepResult result = runner.step();

            // then
            assertThat(result).isInstanceOfSatisfying(StepResult.Retrying.class, retrying -> {
                assertThat(retrying.failures()).isEqualTo(1);
                assertThat(retrying.transientFailure()).isFalse();
                assertThat(retrying.backoff()).isZero();
                assertThat(retrying.cause())
                        .isInstanceOfSatisfying(
                                EventApplyException.class,
                                e -> assertThat(e.envelope().position()).isEqualTo(2L));
            });
            assertThat(readModel.size())
                    .as("effects staged before the failing event")
                    .isZero();
            assertThat(storedCheckpoint()).isEqualTo(-1L);
            assertThat(runner.status().checkpoint()).isEqualTo(-1L);
        }

        @Test
        void countsConsecutiveFailuresAndAsksForTheGrowingBackoff() {
            // given
            appendDepositsWithPoisonAt(2, 0);
            ProjectionRunner runner = runnerFor(countingWithPoison().build())
                    .retryPolicy(new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(15)))
                    .build();

            // when
            StepResult first = runner.step();
            StepResult second = runner.step();

            // then
            assertThat(first).isInstanceOfSatisfying(StepResult.Retrying.class, r -> {
                assertThat(r.failures()).isEqualTo(1);
                assertThat(r.backoff()).isEqualTo(Duration.ofMillis(10));
            });
            assertThat(second).isInstanceOfSatisfying(StepResult.Retrying.class, r -> {
                assertThat(r.failures()).isEqualTo(2);
                assertThat(r.backoff()).isEqualTo(Duration.ofMillis(15));
            });
        }

        @Test
        void commitsTheBatchOnceTheHandlerRecovers() throws Exception {
            // given
            Map<Long, Integer> attempts = new ConcurrentHashMap<>();
            Projection<InMemoryTransaction> projection = Projection.<InMemoryTransaction>builder(NAME)
                    .on(Deposited.class, (event, envelope, tx) -> {
                        if (envelope.position() == 1 && attempts.merge(1L, 1, Integer::sum) < 3) {
                            throw new IllegalStateException("flaky");
                        }
                        readModel.stage(envelope, tx);
                    })
                    .build();
            appendDeposits(3);
            ProjectionRunner runner = runnerFor(projection).build();

            // when
            List<StepResult> results = stepUntilIdle(runner);

            // then
            assertThat(results).hasSize(4);
            assertThat(results.subList(0, 2)).allMatch(StepResult.Retrying.class::isInstance);
            assertThat(results.get(2)).isEqualTo(new StepResult.Committed(-1, 2, 3));
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 2));
            assertThat(store.deadLetters()).isEmpty();
            assertThat(runner.status().lastError())
                    .as("nothing is failing any more")
                    .isEmpty();
            assertThat(runner.status().errorHistory())
                    .as("the failure moved to the history")
                    .singleElement()
                    .satisfies(
                            resolved -> assertThat(resolved.error().message()).contains("flaky"));
            assertThat(runner.status().state()).isEqualTo(ProjectionState.LIVE);
        }
    }

    @Nested
    class StopPolicy {

        @Test
        void commitsTheEventsBeforeThePoisonEventAndFails() {
            // given
            appendDepositsWithPoisonAt(10, 5);
            ProjectionRunner runner = runnerFor(countingWithPoison().build()).build();

            // when
            List<StepResult> results = stepUntil(runner, StepResult.Failed.class::isInstance);

            // then
            assertThat(results).hasSize(FAST_RETRIES.maxAttempts());
            assertThat(results.subList(0, FAST_RETRIES.maxAttempts() - 1))
                    .allMatch(StepResult.Retrying.class::isInstance);
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 4));
            assertThat(storedCheckpoint()).isEqualTo(4L);
            assertThat(store.deadLetters()).isEmpty();
        }

        @Test
        void statusNamesThePoisonEventAndItsCause() {
            // given
            appendDepositsWithPoisonAt(10, 5);
            ProjectionRunner runner = runnerFor(countingWithPoison().build()).build();

            // when
            stepUntil(runner, StepResult.Failed.class::isInstance);

            // then
            ProjectionStatus status = runner.status();
            assertThat(status.state()).isEqualTo(ProjectionState.FAILED);
            assertThat(status.checkpoint()).isEqualTo(4L);
            assertThat(status.lastError()).hasValueSatisfying(error -> {
                assertThat(error.position()).isEqualTo(5L);
                assertThat(error.eventType()).isEqualTo("Poison");
                assertThat(error.streamId()).isEqualTo("account-x");
                assertThat(error.cause())
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessage("boom: bad");
                assertThat(error.message()).contains("'" + NAME + "'", "position 5", "boom: bad");
            });
        }

        @Test
        void keepsReturningFailedAndProcessesNothingMore() {
            // given
            appendDepositsWithPoisonAt(3, 1);
            ProjectionRunner runner = runnerFor(countingWithPoison().build()).build();
            StepResult failure =
                    stepUntil(runner, StepResult.Failed.class::isInstance).getLast();
            appendDeposits(2);

            // when
            StepResult again = runner.step();

            // then
            assertThat(again).isInstanceOf(StepResult.Failed.class).isEqualTo(failure);
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 0));
            assertThat(storedCheckpoint()).isEqualTo(0L);
            assertThat(runner.status().state()).isEqualTo(ProjectionState.FAILED);
        }

        @Test
        void catchUpThrowsALockstepExceptionNamingThePoisonEvent() {
            // given
            appendDepositsWithPoisonAt(10, 5);
            ProjectionRunner runner = runnerFor(countingWithPoison().build()).build();

            // when / then
            assertThatThrownBy(runner::catchUp)
                    .isInstanceOf(LockstepException.class)
                    .hasMessageContaining("position 5")
                    .hasCauseInstanceOf(IllegalStateException.class);
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 4));
            assertThat(storedCheckpoint()).isEqualTo(4L);
        }

        @Test
        void appliesNothingWhenThePoisonEventOpensTheBatch() {
            // given
            appendDepositsWithPoisonAt(4, 0);
            ProjectionRunner runner = runnerFor(countingWithPoison().build()).build();

            // when
            StepResult last =
                    stepUntil(runner, StepResult.Failed.class::isInstance).getLast();

            // then
            assertThat(last)
                    .isInstanceOfSatisfying(
                            StepResult.Failed.class,
                            failed -> assertThat(failed.error().position()).isZero());
            assertThat(readModel.size()).isZero();
            assertThat(storedCheckpoint()).isEqualTo(-1L);
        }

        @Test
        void isolatesThePoisonEventOfALaterBatch() {
            // given
            appendDepositsWithPoisonAt(10, 7);
            ProjectionRunner runner =
                    runnerFor(countingWithPoison().build()).batchSize(3).build();

            // when
            StepResult last =
                    stepUntil(runner, StepResult.Failed.class::isInstance).getLast();

            // then
            assertThat(last)
                    .isInstanceOfSatisfying(
                            StepResult.Failed.class,
                            failed -> assertThat(failed.error().position()).isEqualTo(7L));
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 6));
            assertThat(storedCheckpoint()).isEqualTo(6L);
        }

        @Test
        void withOneAttemptIsolatesAtTheFirstFailure() {
            // given
            appendDepositsWithPoisonAt(6, 3);
            ProjectionRunner runner = runnerFor(countingWithPoison().build())
                    .retryPolicy(new RetryPolicy(1, Duration.ZERO, Duration.ZERO))
                    .build();

            // when
            StepResult first = runner.step();

            // then
            assertThat(first).isInstanceOf(StepResult.Failed.class);
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 2));
        }
    }

    @Nested
    class SkipPolicy {

        @Test
        void recordsADeadLetterAndAppliesEverythingElse() throws Exception {
            // given
            appendDepositsWithPoisonAt(10, 5);
            ProjectionRunner runner = runnerFor(countingWithPoison()
                            .failurePolicy(FailurePolicy.skip())
                            .build())
                    .build();

            // when
            long reached = runner.catchUp();

            // then
            assertThat(reached).isEqualTo(9L);
            assertThat(storedCheckpoint()).isEqualTo(9L);
            assertThat(readModel.applications())
                    .isEqualTo(onceEach(LongStream.rangeClosed(0, 9).filter(p -> p != 5)));
            assertThat(store.deadLetters()).singleElement().satisfies(letter -> {
                assertThat(letter.envelope().position()).isEqualTo(5L);
                assertThat(letter.envelope().event()).isEqualTo(new Poison("bad"));
                assertThat(letter.key()).isEqualTo(CheckpointKey.of(NAME));
                assertThat(letter.errorClass()).isEqualTo(IllegalStateException.class.getName());
                assertThat(letter.message()).isEqualTo("boom: bad");
                assertThat(letter.stackTrace()).contains("IllegalStateException", "boom: bad");
            });
        }

        @Test
        void returnsSkippedForThePoisonEvent() {
            // given
            appendDepositsWithPoisonAt(4, 2);
            ProjectionRunner runner = runnerFor(countingWithPoison()
                            .failurePolicy(FailurePolicy.skip())
                            .build())
                    .build();

            // when
            List<StepResult> results = stepUntilIdle(runner);

            // then
            assertThat(results)
                    .filteredOn(StepResult.Skipped.class::isInstance)
                    .singleElement()
                    .isInstanceOfSatisfying(StepResult.Skipped.class, skipped -> {
                        assertThat(skipped.position()).isEqualTo(2L);
                        assertThat(skipped.error().eventType()).isEqualTo("Poison");
                    });
            assertThat(results).noneMatch(StepResult.Failed.class::isInstance);
            assertThat(runner.status().state()).isEqualTo(ProjectionState.LIVE);
            assertThat(runner.status().lastError()).isEmpty();
            assertThat(runner.status().errorHistory())
                    .first()
                    .satisfies(
                            resolved -> assertThat(resolved.error().position()).isEqualTo(2L));
        }

        @Test
        void skipsEveryPoisonEventOnItsOwn() throws Exception {
            // given
            appendDeposit();
            source.append("x", new Poison("first"));
            source.append("x", new Poison("second"));
            appendDeposit();
            ProjectionRunner runner = runnerFor(countingWithPoison()
                            .failurePolicy(FailurePolicy.skip())
                            .build())
                    .build();

            // when
            runner.catchUp();

            // then
            assertThat(store.deadLetters())
                    .extracting(letter -> letter.envelope().position())
                    .containsExactly(1L, 2L);
            assertThat(readModel.applications()).isEqualTo(onceEach(LongStream.of(0, 3)));
            assertThat(storedCheckpoint()).isEqualTo(3L);
        }
    }

    @Nested
    class TransientFailures {

        @Test
        void areRetriedAndNeverMakeAnEventPoison() {
            // given
            appendDeposits(5);
            store.failNextCommits(3);
            ProjectionRunner runner = runnerFor(counting().build())
                    .retryPolicy(new RetryPolicy(1, Duration.ZERO, Duration.ZERO))
                    .build();

            // when
            List<StepResult> results = stepUntilIdle(runner);

            // then
            assertThat(results).hasSize(5);
            assertThat(results.subList(0, 3))
                    .allSatisfy(result -> assertThat(result)
                            .isInstanceOfSatisfying(StepResult.Retrying.class, retrying -> {
                                assertThat(retrying.transientFailure()).isTrue();
                                assertThat(retrying.cause()).isInstanceOf(TransientStoreException.class);
                            }));
            assertThat(results.subList(0, 3))
                    .extracting(r -> ((StepResult.Retrying) r).failures())
                    .containsExactly(1, 2, 3);
            assertThat(results.get(3)).isEqualTo(new StepResult.Committed(-1, 4, 5));
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 4));
            assertThat(storedCheckpoint()).isEqualTo(4L);
            assertThat(store.deadLetters()).isEmpty();
        }

        @Test
        void duringIsolationDoNotMakeAnyOtherEventPoison() throws Exception {
            // given
            appendDepositsWithPoisonAt(8, 3);
            ProjectionRunner runner = runnerFor(countingWithPoison()
                            .failurePolicy(FailurePolicy.skip())
                            .build())
                    .retryPolicy(new RetryPolicy(1, Duration.ZERO, Duration.ZERO))
                    .build();
            // the first commits that get past the handlers are the isolation's commits of the events before the poison
            store.failNextCommits(2);

            // when
            long reached = runner.catchUp();

            // then
            assertThat(reached).isEqualTo(7L);
            assertThat(store.deadLetters())
                    .extracting(letter -> letter.envelope().position())
                    .containsExactly(3L);
            assertThat(readModel.applications())
                    .isEqualTo(onceEach(LongStream.rangeClosed(0, 7).filter(p -> p != 3)));
        }

        @Test
        void areReportedInTheStatusWithoutAnEvent() {
            // given
            appendDeposits(2);
            store.failNextCommits(1);
            ProjectionRunner runner = runnerFor(counting().build()).build();

            // when
            runner.step();

            // then
            assertThat(runner.status().lastError()).hasValueSatisfying(error -> {
                assertThat(error.position()).isEqualTo(-1L);
                assertThat(error.cause()).isInstanceOf(TransientStoreException.class);
            });
            assertThat(runner.status().state()).isNotEqualTo(ProjectionState.FAILED);
            assertThat(storedCheckpoint()).isEqualTo(-1L);
            assertThat(readModel.size()).isZero();
        }
    }
}
