package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.lockstep.projection.TestEvents.Deposited;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Version changes of a projection: rebuilds in place and side by side. */
class VersionRebuildsTest extends OperatorFixture {

    @Nested
    class Versions {

        @Test
        void theFirstRunRecordsTheVersionWithoutARebuild() {
            // given
            appendDeposits(3);
            ProjectionRunner runner = runnerFor(resettable().version(3).build()).build();

            // when
            List<StepResult> results = stepUntilIdle(runner);

            // then
            assertThat(results).containsExactly(new StepResult.Committed(-1, 2, 3), new StepResult.Idle(2));
            assertThat(stored()).isEqualTo(new StoredCheckpoint(2, false, 3));
            assertThat(resets).hasValue(0);
            assertThat(history.applications()).isEqualTo(onceEach(0, 2));
        }

        @Test
        void aHigherVersionRebuildsInPlaceFromMinusOneOnce() throws Exception {
            // given
            appendDeposits(5);
            runnerFor(resettable().version(1).build()).build().catchUp();

            // when
            ProjectionRunner upgraded =
                    runnerFor(resettable().version(2).build()).build();
            List<StepResult> results = stepUntilIdle(upgraded);

            // then
            assertThat(results).containsExactly(new StepResult.Committed(-1, 4, 5), new StepResult.Idle(4));
            assertThat(resets).hasValue(1);
            assertThat(table.rows()).isEqualTo(onceEach(0, 4));
            assertThat(history.applications()).isEqualTo(each(0, 4, 2));
            assertThat(stored()).isEqualTo(new StoredCheckpoint(4, false, 2));
        }

        @Test
        void aRestartWithTheSameHigherVersionDoesNotRebuildAgain() throws Exception {
            // given
            appendDeposits(5);
            runnerFor(resettable().version(1).build()).build().catchUp();
            runnerFor(resettable().version(2).build()).build().catchUp();

            // when
            ProjectionRunner restarted =
                    runnerFor(resettable().version(2).build()).build();
            List<StepResult> results = stepUntilIdle(restarted);

            // then
            assertThat(results).containsExactly(new StepResult.Idle(4));
            assertThat(resets).hasValue(1);
            assertThat(history.applications()).isEqualTo(each(0, 4, 2));
            assertThat(stored()).isEqualTo(new StoredCheckpoint(4, false, 2));
        }

        @Test
        void aLowerVersionThanStoredFails() throws Exception {
            // given
            appendDeposits(3);
            runnerFor(resettable().version(2).build()).build().catchUp();
            appendDeposits(2);

            // when
            ProjectionRunner downgraded =
                    runnerFor(resettable().version(1).build()).build();
            StepResult result = downgraded.step();

            // then
            assertThat(result)
                    .isInstanceOfSatisfying(
                            StepResult.Failed.class,
                            failed -> assertThat(failed.error().message()).contains("built by version 2"));
            assertThat(downgraded.status().state()).isEqualTo(ProjectionState.FAILED);
            assertThat(stored()).isEqualTo(new StoredCheckpoint(2, false, 2));
            assertThat(history.applications()).isEqualTo(onceEach(0, 2));
            assertThat(resets).hasValue(0);
        }

        @Test
        void replayingADowngradeAsItsErrorAdvisesRebuildsTheReadModelWithTheOlderVersion() throws Exception {
            // given: the error says "... or replay to rebuild it with this one"
            appendDeposits(3);
            runnerFor(resettable().version(2).build()).build().catchUp();
            ProjectionRunner downgraded =
                    runnerFor(resettable().version(1).build()).build();
            assertThat(downgraded.step())
                    .isInstanceOfSatisfying(
                            StepResult.Failed.class,
                            failed -> assertThat(failed.error().message())
                                    .contains("replay to rebuild it with this one"));

            // when
            downgraded.replay();
            List<StepResult> results =
                    stepUntil(downgraded, r -> r instanceof StepResult.Idle || r instanceof StepResult.Failed);

            // then
            assertThat(results).last().isEqualTo(new StepResult.Idle(2));
            assertThat(table.rows()).isEqualTo(onceEach(0, 2));
            assertThat(downgraded.status().state()).isNotEqualTo(ProjectionState.FAILED);
        }

        @Test
        void aHigherVersionWithoutResetHandlerFailsNamingOnReset() throws Exception {
            // given
            appendDeposits(3);
            runnerFor(counting().version(1).build()).build().catchUp();

            // when
            ProjectionRunner upgraded = runnerFor(counting().version(2).build()).build();
            StepResult result = upgraded.step();

            // then
            assertThat(result)
                    .isInstanceOfSatisfying(
                            StepResult.Failed.class,
                            failed -> assertThat(failed.error().message()).contains("onReset"));
            assertThat(upgraded.status().state()).isEqualTo(ProjectionState.FAILED);
            assertThat(stored()).isEqualTo(new StoredCheckpoint(2, false, 1));
            assertThat(history.applications()).isEqualTo(onceEach(0, 2));
        }
    }

    @Nested
    class SideBySide {

        private final RecordingTables tables = new RecordingTables();
        private final Map<Integer, CountingReadModel> tablesOfVersion = new ConcurrentHashMap<>();

        /** A side-by-side projection of {@code version} writing to the table of its version. */
        private Projection<InMemoryTransaction> versioned(int version) {
            return Projection.<InMemoryTransaction>builder(NAME)
                    .version(version)
                    .on(
                            Deposited.class,
                            (event, envelope, tx) -> tableOf(version).stage(envelope, tx))
                    .onReset(tx -> resets.incrementAndGet())
                    .rebuild(RebuildStrategy.sideBySide(tables))
                    .build();
        }

        private CountingReadModel tableOf(int version) {
            return tablesOfVersion.computeIfAbsent(version, v -> new CountingReadModel());
        }

        /** Builds version 1 up to position 9. */
        private void versionOneBuilt() throws InterruptedException {
            appendDeposits(10);
            runnerFor(versioned(1)).build().catchUp();
            assertThat(stored()).isEqualTo(new StoredCheckpoint(9, false, 1));
        }

        @Test
        void buildsTheNewVersionUnderItsOwnCheckpointWithoutTouchingTheOldOne() throws Exception {
            // given
            versionOneBuilt();
            ProjectionRunner v2 = runnerFor(versioned(2)).batchSize(3).build();

            // when / then: step by step, only the build's checkpoint moves
            assertThat(v2.step()).isEqualTo(new StepResult.Committed(-1, 2, 3));
            assertThat(stored()).isEqualTo(new StoredCheckpoint(9, false, 1));
            assertThat(store.readCheckpoint(BUILD_V2)).isEqualTo(new StoredCheckpoint(2, false, 2));

            assertThat(v2.step()).isEqualTo(new StepResult.Committed(2, 5, 3));
            assertThat(stored()).isEqualTo(new StoredCheckpoint(9, false, 1));
            assertThat(store.readCheckpoint(BUILD_V2)).isEqualTo(new StoredCheckpoint(5, false, 2));

            assertThat(v2.step()).isEqualTo(new StepResult.Committed(5, 8, 3));
            assertThat(stored()).isEqualTo(new StoredCheckpoint(9, false, 1));
            assertThat(store.readCheckpoint(BUILD_V2)).isEqualTo(new StoredCheckpoint(8, false, 2));

            assertThat(tables.created).containsExactly(2);
            assertThat(tables.promoted).isEmpty();
            assertThat(tableOf(2).applications()).isEqualTo(onceEach(0, 8));
            assertThat(tableOf(1).applications()).isEqualTo(onceEach(0, 9));
            assertThat(resets).hasValue(0);
        }

        @Test
        void promotesOnceCaughtUpAndRetiresTheBuildsCheckpoint() throws Exception {
            // given
            versionOneBuilt();
            ProjectionRunner v2 = runnerFor(versioned(2)).batchSize(3).build();

            // when
            List<StepResult> results = stepUntilIdle(v2);
            StepResult after = v2.step();

            // then
            assertThat(results).last().isEqualTo(new StepResult.Idle(9));
            assertThat(after).isEqualTo(new StepResult.Idle(9));
            assertThat(tables.created).containsExactly(2);
            assertThat(tables.promoted).containsExactly(List.of(1, 2));
            assertThat(stored()).isEqualTo(new StoredCheckpoint(9, false, 2));
            assertThat(store.readCheckpoint(BUILD_V2).paused())
                    .as("build retired")
                    .isTrue();
            assertThat(tableOf(2).applications()).isEqualTo(onceEach(0, 9));
            assertThat(resets).hasValue(0);
        }

        @Test
        void goesOnUnderTheProjectionsCheckpointAfterThePromotion() throws Exception {
            // given
            versionOneBuilt();
            ProjectionRunner v2 = runnerFor(versioned(2)).batchSize(3).build();
            stepUntilIdle(v2);
            appendDeposits(2);

            // when
            StepResult result = v2.step();

            // then
            assertThat(result).isEqualTo(new StepResult.Committed(9, 11, 2));
            assertThat(stored()).isEqualTo(new StoredCheckpoint(11, false, 2));
            assertThat(store.readCheckpoint(BUILD_V2).position()).isEqualTo(9L);
            assertThat(tableOf(2).applications()).isEqualTo(onceEach(0, 11));
            assertThat(tables.created).containsExactly(2);
            assertThat(tables.promoted).containsExactly(List.of(1, 2));
        }

        @Test
        void refusesReplayAndResetToWhileTheBuildRuns() throws Exception {
            // given
            versionOneBuilt();
            ProjectionRunner v2 = runnerFor(versioned(2)).batchSize(3).build();
            v2.step();

            // when / then
            assertThatIllegalStateException().isThrownBy(v2::replay).withMessageContaining("side by side");
            assertThatIllegalStateException().isThrownBy(() -> v2.resetTo(0)).withMessageContaining("side by side");
            assertThat(stored()).isEqualTo(new StoredCheckpoint(9, false, 1));
            assertThat(store.readCheckpoint(BUILD_V2)).isEqualTo(new StoredCheckpoint(2, false, 2));
            assertThat(resets).hasValue(0);
        }

        @Test
        void aPromotionThatFailsIsRetriedByTheNextStep() throws Exception {
            // given: re-pointing the readers fails once
            versionOneBuilt();
            tables.promotionsToFail.set(1);
            ProjectionRunner v2 = runnerFor(versioned(2)).batchSize(20).build();
            assertThat(v2.step()).isEqualTo(new StepResult.Committed(-1, 9, 10));
            assertThat(v2.step()).isInstanceOf(StepResult.Retrying.class);
            assertThat(stored()).isEqualTo(new StoredCheckpoint(9, false, 1));

            // when
            List<StepResult> results =
                    stepUntil(v2, r -> r instanceof StepResult.Idle || r instanceof StepResult.Failed);

            // then
            assertThat(results).last().isEqualTo(new StepResult.Idle(9));
            assertThat(stored()).isEqualTo(new StoredCheckpoint(9, false, 2));
            assertThat(tables.promoted).containsExactly(List.of(1, 2), List.of(1, 2));
        }
    }
}
