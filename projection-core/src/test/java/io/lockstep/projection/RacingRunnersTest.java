package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Several runners of one projection: each event is applied once. */
class RacingRunnersTest extends RunnerFixture {

    @Nested
    class ConcurrentRunners {

        @Test
        void twoRunnersOfTheSameProjectionApplyEveryEventExactlyOnce() throws Exception {
            // given
            appendDeposits(300);
            Projection<InMemoryTransaction> projection = counting().build();
            ProjectionRunner first = runnerFor(projection).batchSize(7).build();
            ProjectionRunner second = runnerFor(projection).batchSize(7).build();
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService threads = Executors.newFixedThreadPool(2);

            // when
            List<StepResult> results;
            try {
                CompletableFuture<List<StepResult>> a =
                        CompletableFuture.supplyAsync(() -> stepAfter(go, first), threads);
                CompletableFuture<List<StepResult>> b =
                        CompletableFuture.supplyAsync(() -> stepAfter(go, second), threads);
                go.countDown();
                results = new ArrayList<>(a.get(PATIENCE.toSeconds(), TimeUnit.SECONDS));
                results.addAll(b.get(PATIENCE.toSeconds(), TimeUnit.SECONDS));
            } finally {
                threads.shutdownNow();
            }

            // then
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 299));
            assertThat(storedCheckpoint()).isEqualTo(299L);
            assertThat(results)
                    .allMatch(r -> r instanceof StepResult.Committed
                            || r instanceof StepResult.Conflict
                            || r instanceof StepResult.Idle);
            int committedEvents = results.stream()
                    .filter(StepResult.Committed.class::isInstance)
                    .mapToInt(r -> ((StepResult.Committed) r).events())
                    .sum();
            assertThat(committedEvents)
                    .as("events committed by both runners together")
                    .isEqualTo(300);
        }

        private List<StepResult> stepAfter(CountDownLatch go, ProjectionRunner runner) {
            try {
                go.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return stepUntilIdle(runner);
        }

        @Test
        void aRunnerWithAStaleCheckpointGetsAConflictAndRereadsTheCheckpoint() {
            // given: the stale runner caches checkpoint 1 from its own commit, then the other moves it to 3
            Projection<InMemoryTransaction> projection = counting().build();
            ProjectionRunner stale = runnerFor(projection).batchSize(2).build();
            ProjectionRunner other = runnerFor(projection).batchSize(2).build();
            appendDeposits(6);
            assertThat(stale.step()).isEqualTo(new StepResult.Committed(-1, 1, 2));
            assertThat(other.step()).isEqualTo(new StepResult.Committed(1, 3, 2));

            // when
            StepResult conflict = stale.step();
            List<StepResult> after = stepUntilIdle(stale);

            // then
            assertThat(conflict)
                    .isInstanceOfSatisfying(
                            StepResult.Conflict.class,
                            c -> assertThat(c.cause().key()).isEqualTo(CheckpointKey.of(NAME)));
            assertThat(after).containsExactly(new StepResult.Committed(3, 5, 2), new StepResult.Idle(5));
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 5));
            assertThat(storedCheckpoint()).isEqualTo(5L);
        }

        @Test
        void anIdleRunnerNoticesACheckpointResetByAnOperator() {
            // given: caught up at 2
            ProjectionRunner runner = runnerFor(counting().build()).build();
            appendDeposits(3);
            assertThat(stepUntilIdle(runner)).last().isEqualTo(new StepResult.Idle(2));

            // when
            store.checkpoints().resetCheckpoint(NAME, -1);

            // then: the next step replays from the start
            assertThat(runner.step()).isEqualTo(new StepResult.Committed(-1, 2, 3));
        }
    }
}
