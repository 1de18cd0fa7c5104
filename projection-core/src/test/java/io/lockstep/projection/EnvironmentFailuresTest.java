package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lockstep.projection.TestEvents.Deposited;
import io.lockstep.projection.TestEvents.Poison;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Failures that are not an event's fault: the runner retries them for as long as they last in state STALLED,
 * never blames an event, and tells the truth about head and lag meanwhile.
 */
class EnvironmentFailuresTest {

    private static final String NAME = "balances";
    private static final RetryPolicy ONE_ATTEMPT = new RetryPolicy(1, Duration.ofMillis(10), Duration.ofMillis(50));
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private final InMemoryProjectionStore store = ProjectionStore.inMemory();
    private final ControllableSource source = new ControllableSource(1);
    private final CountingReadModel readModel = new CountingReadModel();
    private final List<ProjectionRunner> runners = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopRunners() {
        runners.forEach(ProjectionRunner::stop);
    }

    private Projection.Builder<InMemoryTransaction> counting() {
        return Projection.<InMemoryTransaction>builder(NAME)
                .on(Deposited.class, (event, envelope, tx) -> readModel.stage(envelope, tx))
                .on(Poison.class, (event, envelope, tx) -> {
                    throw new IllegalStateException("boom: " + event.reason());
                });
    }

    private ProjectionRunner.Builder<InMemoryTransaction> runnerFor(Projection<InMemoryTransaction> projection) {
        return ProjectionRunner.builder(projection, store, source)
                .retryPolicy(ONE_ATTEMPT)
                .idleWait(Duration.ofMillis(50))
                .headRefresh(Duration.ofMillis(50));
    }

    private ProjectionRunner started(ProjectionRunner runner) {
        runners.add(runner);
        runner.start();
        return runner;
    }

    private void appendDeposits(int count) {
        for (int i = 0; i < count; i++) {
            source.append("account-" + (i % 3), new Deposited("account-" + (i % 3), i));
        }
    }

    @Nested
    class Stalls {

        @Test
        void aStoreFailureStallsWithItsErrorSinceAndNextAttemptAndNeverDeadLetters() {
            // given: a skip policy with one attempt, so blaming the event would dead-letter it at once
            appendDeposits(3);
            store.failNextCommits(2);
            ProjectionRunner runner = runnerFor(
                            counting().failurePolicy(FailurePolicy.skip()).build())
                    .retryPolicy(new RetryPolicy(1, Duration.ofMillis(100), Duration.ofMillis(100)))
                    .build();
            Instant before = Instant.now();

            // when
            StepResult first = runner.step();
            StepResult second = runner.step();

            // then
            assertThat(first)
                    .isInstanceOfSatisfying(
                            StepResult.Retrying.class,
                            r -> assertThat(r.transientFailure()).isTrue());
            assertThat(second).isInstanceOf(StepResult.Retrying.class);
            ProjectionStatus status = runner.status();
            assertThat(status.state()).isEqualTo(ProjectionState.STALLED);
            assertThat(status.stall()).hasValueSatisfying(stall -> {
                assertThat(stall.attempts()).isEqualTo(2);
                assertThat(stall.since()).isBetween(before, Instant.now());
                assertThat(stall.nextAttempt()).isAfter(stall.since());
            });
            assertThat(status.lastError()).hasValueSatisfying(error -> {
                assertThat(error.position()).as("no event is blamed").isEqualTo(-1L);
                assertThat(error.cause()).isInstanceOf(TransientStoreException.class);
            });
            assertThat(store.deadLetters()).isEmpty();
        }

        @Test
        void leavesTheStallByItselfAndMovesTheErrorToTheHistory() {
            // given
            appendDeposits(3);
            store.failNextCommits(2);
            ProjectionRunner runner = runnerFor(counting().build()).build();
            runner.step();
            runner.step();
            Instant since = runner.status().stall().orElseThrow().since();

            // when
            StepResult result = runner.step();

            // then
            assertThat(result).isEqualTo(new StepResult.Committed(-1, 3, 3));
            ProjectionStatus status = runner.status();
            assertThat(status.state()).isEqualTo(ProjectionState.LIVE);
            assertThat(status.stall()).isEmpty();
            assertThat(status.lastError()).isEmpty();
            assertThat(status.errorHistory()).singleElement().satisfies(resolved -> {
                assertThat(resolved.since()).isEqualTo(since);
                assertThat(resolved.resolvedAt()).isAfterOrEqualTo(since);
                assertThat(resolved.error().cause()).isInstanceOf(TransientStoreException.class);
            });
        }

        @Test
        void anUnreachableSourceStallsAndRecoversWithoutOperatorAction() {
            // given
            appendDeposits(5);
            source.down(true);
            ProjectionRunner runner = started(runnerFor(counting().build()).build());

            // when
            await().atMost(PATIENCE).until(() -> runner.status().state() == ProjectionState.STALLED);
            source.down(false);

            // then
            await().atMost(PATIENCE)
                    .until(() -> runner.status().state() == ProjectionState.LIVE
                            && runner.status().checkpoint() == 5);
            assertThat(readModel.size()).isEqualTo(5);
            assertThat(runner.status().errorHistory()).isNotEmpty();
        }

        @Test
        void catchUpGivesUpOnAStallThatOutlastsItsPatienceNamingTheStall() {
            // given
            appendDeposits(3);
            store.failNextCommits(1_000_000);
            ProjectionRunner runner = runnerFor(counting().build()).build();

            // when / then
            assertThatThrownBy(() -> runner.catchUp(Duration.ofMillis(300)))
                    .isInstanceOf(TransientStoreException.class)
                    .hasMessageContaining("STALLED since")
                    .hasMessageContaining("gives up after PT0.3S");
            assertThat(store.checkpoints().getCheckpoint(NAME)).isEqualTo(-1L);
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> runner.catchUp(Duration.ZERO))
                    .withMessageContaining("patience PT0S");
        }

        @Test
        void theHistoryKeepsTheNewestTenResolvedErrors() {
            // given
            ProjectionRunner runner = runnerFor(counting().build()).build();
            for (int i = 0; i < ProjectionStatus.HISTORY_SIZE + 2; i++) {
                appendDeposits(1);
                store.failNextCommits(1);
                runner.step();

                // when
                runner.step();
            }

            // then
            assertThat(runner.status().errorHistory()).hasSize(ProjectionStatus.HISTORY_SIZE);
            assertThat(runner.status().errorHistory())
                    .extracting(ProjectionStatus.ResolvedError::resolvedAt)
                    .isSortedAccordingTo(java.util.Comparator.reverseOrder());
        }
    }

    @Nested
    class Probe {

        @Test
        void aHandlerFailureWhileTheStoreFailsItsProbeIsTheEnvironmentsAndNeverDeadLettered() {
            // given: a handler whose failure names no store error (it swallowed the cause), while the store is down
            AtomicBoolean databaseDown = new AtomicBoolean(true);
            Projection<InMemoryTransaction> projection = Projection.<InMemoryTransaction>builder(NAME)
                    .on(Deposited.class, (event, envelope, tx) -> {
                        if (databaseDown.get()) {
                            throw new IllegalStateException("could not write the balance");
                        }
                        readModel.stage(envelope, tx);
                    })
                    .failurePolicy(FailurePolicy.skip())
                    .build();
            appendDeposits(3);
            store.failProbes(true);
            ProjectionRunner runner = runnerFor(projection).build();

            // when
            StepResult during = runner.step();
            databaseDown.set(false);
            store.failProbes(false);
            StepResult after = runner.step();

            // then
            assertThat(during).isInstanceOfSatisfying(StepResult.Retrying.class, retrying -> {
                assertThat(retrying.transientFailure()).isTrue();
                assertThat(retrying.cause()).hasMessageContaining("failed a probe");
            });
            assertThat(after).isEqualTo(new StepResult.Committed(-1, 3, 3));
            assertThat(store.deadLetters()).isEmpty();
            assertThat(readModel.size()).isEqualTo(3);
        }

        @Test
        void aHandlerFailureWhileTheStoreAnswersIsTheEvents() {
            // given
            source.append("x", new Poison("bad"));
            ProjectionRunner runner = runnerFor(
                            counting().failurePolicy(FailurePolicy.skip()).build())
                    .build();

            // when
            StepResult result = runner.step();

            // then
            assertThat(result).isInstanceOf(StepResult.Skipped.class);
            assertThat(store.deadLetters())
                    .singleElement()
                    .satisfies(
                            letter -> assertThat(letter.envelope().position()).isEqualTo(1L));
        }
    }

    @Nested
    class HeadAndLag {

        @Test
        void stayCurrentWhileTheRunnerIsBlockedInABatch() throws Exception {
            // given: the handler of the first event blocks until released
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Projection<InMemoryTransaction> blocking = Projection.<InMemoryTransaction>builder(NAME)
                    .on(Deposited.class, (event, envelope, tx) -> {
                        if (envelope.position() == 1) {
                            entered.countDown();
                            release.await();
                        }
                        readModel.stage(envelope, tx);
                    })
                    .build();
            appendDeposits(1);
            ProjectionRunner runner = started(runnerFor(blocking).build());
            entered.await();

            // when
            appendDeposits(9);

            // then
            try {
                await().atMost(PATIENCE).untilAsserted(() -> {
                    ProjectionStatus status = runner.status();
                    assertThat(status.headPosition()).isEqualTo(10L);
                    assertThat(status.lagEvents()).isEqualTo(10L);
                    assertThat(status.busySince()).isPresent();
                });
            } finally {
                release.countDown();
            }
            await().atMost(PATIENCE).until(() -> runner.status().lagEvents() == 0);
            assertThat(runner.status().busySince()).isEmpty();
        }

        @Test
        void stayCurrentWhilePausedAndCountEveryEventFromCheckpointMinusOne() {
            // given: positions start at 1, as in the PostgreSQL event log
            store.setPaused(new CheckpointKey(CheckpointKey.NO_TENANT, NAME), true);
            ProjectionRunner runner = started(runnerFor(counting().build()).build());
            await().atMost(PATIENCE).until(() -> runner.status().state() == ProjectionState.PAUSED);

            // when
            appendDeposits(7);

            // then
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(runner.status().checkpoint()).isEqualTo(-1L);
                assertThat(runner.status().headPosition()).isEqualTo(7L);
                assertThat(runner.status().lagEvents()).as("7 events, not 8").isEqualTo(7L);
                assertThat(runner.status().lagSeconds()).isGreaterThanOrEqualTo(0);
            });
        }

        @Test
        void stayCurrentWhileFailed() {
            // given
            appendDeposits(2);
            source.append("x", new Poison("bad"));
            ProjectionRunner runner = started(runnerFor(counting().build()).build());
            await().atMost(PATIENCE).until(() -> runner.status().state() == ProjectionState.FAILED);

            // when
            appendDeposits(4);

            // then
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(runner.status().checkpoint()).isEqualTo(2L);
                assertThat(runner.status().headPosition()).isEqualTo(7L);
                assertThat(runner.status().lagEvents()).isEqualTo(5L);
            });
        }

        @Test
        void countTheEventsExactlyAfterAReplayToMinusOne() throws Exception {
            // given
            appendDeposits(6);
            Projection<InMemoryTransaction> resettable =
                    counting().onReset(tx -> {}).build();
            ProjectionRunner runner = runnerFor(resettable).build();
            runner.catchUp();
            runner.pause();

            // when
            runner.replay();
            runner.step();

            // then
            assertThat(runner.status().checkpoint()).isEqualTo(-1L);
            assertThat(runner.status().lagEvents()).isEqualTo(6L);
        }
    }
}
