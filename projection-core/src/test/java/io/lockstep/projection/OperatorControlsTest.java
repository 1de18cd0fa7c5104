package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The operator's controls of a runner: pause, resume, replay, resetTo and recovery from FAILED. */
class OperatorControlsTest extends OperatorFixture {

    @Nested
    class Pause {

        @Test
        void aPausedProjectionStepsToPausedAndAppliesNothing() {
            // given: caught up at 2, two more events waiting
            ProjectionRunner runner = runnerFor(counting().build()).build();
            appendDeposits(3);
            assertThat(stepUntilIdle(runner)).last().isEqualTo(new StepResult.Idle(2));
            appendDeposits(2);

            // when
            runner.pause();
            StepResult result = runner.step();

            // then
            assertThat(result).isEqualTo(new StepResult.Paused(2));
            assertThat(runner.status().state()).isEqualTo(ProjectionState.PAUSED);
            assertThat(history.applications()).isEqualTo(onceEach(0, 2));
            assertThat(stored().position()).isEqualTo(2L);
        }

        @Test
        void pauseIsStoredSoANewRunnerOfTheProjectionIsPausedToo() {
            // given
            appendDeposits(3);
            runnerFor(counting().build()).build().pause();

            // when
            ProjectionRunner restarted = runnerFor(counting().build()).build();
            StepResult result = restarted.step();

            // then
            assertThat(stored().paused()).isTrue();
            assertThat(result).isEqualTo(new StepResult.Paused(-1));
            assertThat(restarted.status().state()).isEqualTo(ProjectionState.PAUSED);
            assertThat(history.size()).isZero();
        }

        @Test
        void resumeLetsTheNextStepCommit() {
            // given
            appendDeposits(5);
            ProjectionRunner runner = runnerFor(counting().build()).build();
            runner.pause();
            assertThat(runner.step()).isEqualTo(new StepResult.Paused(-1));

            // when
            runner.resume();
            StepResult result = runner.step();

            // then
            assertThat(result).isEqualTo(new StepResult.Committed(-1, 4, 5));
            assertThat(stored().paused()).isFalse();
            assertThat(stored().position()).isEqualTo(4L);
            assertThat(history.applications()).isEqualTo(onceEach(0, 4));
            assertThat(runner.status().state()).isEqualTo(ProjectionState.LIVE);
        }

        @Test
        void aBatchWhoseClaimFindsTheProjectionPausedRollsBackWithAConflict() {
            // given: the store gets paused after the runner read its batch, before it claims the checkpoint
            appendDeposits(4);
            HookedSource hooked = new HookedSource(source);
            ProjectionRunner runner = runnerFor(counting().build(), hooked).build();
            hooked.afterRead = () -> store.setPaused(KEY, true);

            // when
            StepResult result = runner.step();

            // then
            assertThat(result)
                    .isInstanceOfSatisfying(
                            StepResult.Conflict.class,
                            conflict -> assertThat(conflict.cause().key()).isEqualTo(KEY));
            assertThat(history.size()).isZero();
            assertThat(stored().position()).isEqualTo(-1L);
            hooked.afterRead = () -> {};
            assertThat(runner.step()).isEqualTo(new StepResult.Paused(-1));
            assertThat(history.size()).isZero();
        }

        @Test
        void theStepRightAfterPauseIsPausedEvenWhenTheRunnerJustCommittedABatch() {
            // given: mid catch-up, the runner knows its checkpoint from its own last commit
            appendDeposits(10);
            ProjectionRunner runner = runnerFor(counting().build()).batchSize(3).build();
            assertThat(runner.step()).isEqualTo(new StepResult.Committed(-1, 2, 3));

            // when
            runner.pause();
            StepResult result = runner.step();

            // then: "State PAUSED from the next step on" (ProjectionRunner#pause)
            assertThat(result).isEqualTo(new StepResult.Paused(2));
            assertThat(runner.status().state()).isEqualTo(ProjectionState.PAUSED);
            assertThat(history.applications()).isEqualTo(onceEach(0, 2));
        }
    }

    @Nested
    class Replay {

        @Test
        void refusesAProjectionWithoutResetHandlerNamingOnReset() throws Exception {
            // given
            appendDeposits(3);
            ProjectionRunner runner = runnerFor(counting().build()).build();
            runner.catchUp();

            // when / then
            assertThatIllegalStateException().isThrownBy(runner::replay).withMessageContaining("onReset");
            assertThat(stored().position()).isEqualTo(2L);
            assertThat(table.rows()).isEqualTo(onceEach(0, 2));
        }

        @Test
        void clearsTheReadModelAndRewindsTheCheckpointToMinusOneInOneTransaction() throws Exception {
            // given
            appendDeposits(5);
            ProjectionRunner runner = runnerFor(resettable().build()).build();
            runner.catchUp();

            // when
            runner.replay();

            // then: until the next step, the read model is empty and the checkpoint -1
            assertThat(resets).hasValue(1);
            assertThat(table.rows()).isEmpty();
            assertThat(stored().position()).isEqualTo(-1L);
            assertThat(runner.status().checkpoint()).isEqualTo(-1L);
        }

        @Test
        void aFailingResetHandlerLeavesReadModelAndCheckpointAsTheyWere() throws Exception {
            // given: a reset handler that clears, then fails
            appendDeposits(5);
            Projection<InMemoryTransaction> projection = counting()
                    .onReset(tx -> {
                        resets.incrementAndGet();
                        table.stageClear(tx);
                        throw new IllegalStateException("disk full");
                    })
                    .build();
            ProjectionRunner runner = runnerFor(projection).build();
            runner.catchUp();

            // when / then
            assertThatThrownBy(runner::replay).hasMessageContaining("disk full");
            assertThat(resets).hasValue(1);
            assertThat(table.rows()).isEqualTo(onceEach(0, 4));
            assertThat(stored().position()).isEqualTo(4L);
        }

        @Test
        void appliesEveryEventAgainExactlyOnceAfterwards() throws Exception {
            // given
            appendDeposits(5);
            ProjectionRunner runner = runnerFor(resettable().build()).build();
            runner.catchUp();
            runner.replay();

            // when
            StepResult first = runner.step();
            runner.catchUp();

            // then
            assertThat(first).isEqualTo(new StepResult.Committed(-1, 4, 5));
            assertThat(table.rows()).isEqualTo(onceEach(0, 4));
            assertThat(history.applications()).isEqualTo(each(0, 4, 2));
            assertThat(resets).hasValue(1);
            assertThat(stored().position()).isEqualTo(4L);
        }

        @Test
        void keepsTheRecordedVersion() throws Exception {
            // given
            appendDeposits(3);
            ProjectionRunner runner = runnerFor(resettable().version(3).build()).build();
            runner.catchUp();

            // when
            runner.replay();

            // then
            assertThat(stored()).isEqualTo(new StoredCheckpoint(-1, false, 3));
        }
    }

    @Nested
    class ResetTo {

        @Test
        void rejectsAPositionBelowMinusOne() throws Exception {
            // given
            appendDeposits(3);
            ProjectionRunner runner = runnerFor(resettable().build()).build();
            runner.catchUp();

            // when / then
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> runner.resetTo(-2))
                    .withMessageContaining("-2")
                    .withMessageContaining(">= -1");
            assertThat(stored().position()).isEqualTo(2L);
        }

        @Test
        void movesTheCheckpointBackwardWithoutTouchingTheReadModel() throws Exception {
            // given
            appendDeposits(6);
            ProjectionRunner runner = runnerFor(resettable().build()).build();
            runner.catchUp();

            // when
            runner.resetTo(2);

            // then
            assertThat(stored().position()).isEqualTo(2L);
            assertThat(resets).hasValue(0);
            assertThat(table.rows()).isEqualTo(onceEach(0, 5));
            assertThat(runner.step()).isEqualTo(new StepResult.Committed(2, 5, 3));
            assertThat(history.applications()).isEqualTo(Map.of(0L, 1, 1L, 1, 2L, 1, 3L, 2, 4L, 2, 5L, 2));
        }

        @Test
        void movesTheCheckpointForwardSkippingTheEventsBefore() {
            // given
            appendDeposits(6);
            ProjectionRunner runner = runnerFor(resettable().build()).build();

            // when
            runner.resetTo(3);

            // then
            assertThat(stored().position()).isEqualTo(3L);
            assertThat(runner.step()).isEqualTo(new StepResult.Committed(3, 5, 2));
            assertThat(history.applications()).isEqualTo(onceEach(4, 5));
            assertThat(resets).hasValue(0);
        }
    }

    @Nested
    class FailedRecovery {

        @Test
        void resetToThePoisonPositionLeavesFailedAndGoesOn() {
            // given
            appendDepositsWithPoisonAt(10, 5);
            ProjectionRunner runner = runnerFor(countingWithPoison().build()).build();
            stepUntil(runner, StepResult.Failed.class::isInstance);
            assertThat(runner.status().state()).isEqualTo(ProjectionState.FAILED);

            // when
            runner.resetTo(5);

            // then
            assertThat(runner.status().state()).isNotEqualTo(ProjectionState.FAILED);
            assertThat(runner.step()).isEqualTo(new StepResult.Committed(5, 9, 4));
            assertThat(runner.status().state()).isIn(ProjectionState.CATCHING_UP, ProjectionState.LIVE);
            assertThat(history.applications())
                    .isEqualTo(onceEach(LongStream.rangeClosed(0, 9).filter(p -> p != 5)));
            assertThat(stored().position()).isEqualTo(9L);
        }

        @Test
        void aSecondFailedRunnerLeavesFailedOnceTheStoredCheckpointMoved() {
            // given: both runners of the projection stopped on the poison event
            appendDepositsWithPoisonAt(10, 5);
            Projection<InMemoryTransaction> projection = countingWithPoison().build();
            ProjectionRunner operated = runnerFor(projection).build();
            ProjectionRunner other = runnerFor(projection).build();
            stepUntil(operated, StepResult.Failed.class::isInstance);
            stepUntil(other, StepResult.Failed.class::isInstance);
            assertThat(other.step()).as("stays failed while nobody acts").isInstanceOf(StepResult.Failed.class);

            // when
            operated.resetTo(5);
            StepResult result = other.step();

            // then
            assertThat(result).isEqualTo(new StepResult.Committed(5, 9, 4));
            assertThat(other.status().state()).isIn(ProjectionState.CATCHING_UP, ProjectionState.LIVE);
            assertThat(history.applications())
                    .isEqualTo(onceEach(LongStream.rangeClosed(0, 9).filter(p -> p != 5)));
        }
    }
}
