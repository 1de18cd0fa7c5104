package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;

import io.lockstep.projection.TestEvents.AccountEvent;
import io.lockstep.projection.TestEvents.Blocking;
import io.lockstep.projection.TestEvents.Deposited;
import io.lockstep.projection.TestEvents.Levels;
import io.lockstep.projection.TestEvents.Poison;
import io.lockstep.projection.TestEvents.Unrelated;
import io.lockstep.projection.TestEvents.Withdrawn;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ProjectionRunnerTest {

    private static final String NAME = "balances";
    private static final RetryPolicy FAST_RETRIES = new RetryPolicy(3, Duration.ZERO, Duration.ZERO);
    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final int STEP_LIMIT = 10_000;

    private final InMemoryProjectionStore store = ProjectionStore.inMemory();
    private final InMemoryEventSource source = new InMemoryEventSource();
    private final CountingReadModel readModel = new CountingReadModel();
    private final List<ProjectionRunner> runners = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopRunners() {
        runners.forEach(ProjectionRunner::stop);
    }

    // ---- fixtures -------------------------------------------------------------------------------------

    /** A projection that counts Deposited and Withdrawn events in {@link #readModel}. */
    private Projection.Builder<InMemoryTransaction> counting() {
        return Projection.<InMemoryTransaction>builder(NAME)
                .on(Deposited.class, (event, envelope, tx) -> readModel.stage(envelope, tx))
                .on(Withdrawn.class, (event, envelope, tx) -> readModel.stage(envelope, tx));
    }

    /** {@link #counting()} plus a handler that always fails on {@link Poison}. */
    private Projection.Builder<InMemoryTransaction> countingWithPoison() {
        return counting().on(Poison.class, (event, envelope, tx) -> {
            throw new IllegalStateException("boom: " + event.reason());
        });
    }

    private ProjectionRunner.Builder<InMemoryTransaction> runnerFor(Projection<InMemoryTransaction> projection) {
        return ProjectionRunner.builder(projection, store, source)
                .retryPolicy(FAST_RETRIES)
                .idleWait(Duration.ofMillis(50));
    }

    /** Remembers {@code runner} so that it is stopped after the test. */
    private ProjectionRunner tracked(ProjectionRunner runner) {
        runners.add(runner);
        return runner;
    }

    private void appendDeposits(int count) {
        for (int i = 0; i < count; i++) {
            appendDeposit();
        }
    }

    private Envelope appendDeposit() {
        long next = source.headPosition() + 1;
        String account = "account-" + (next % 3);
        return source.append(account, new Deposited(account, next));
    }

    /** Appends {@code total} events, all deposits except a {@link Poison} at {@code poisonPosition}. */
    private void appendDepositsWithPoisonAt(int total, long poisonPosition) {
        for (int i = 0; i < total; i++) {
            if (i == poisonPosition) {
                source.append("account-x", new Poison("bad"));
            } else {
                appendDeposit();
            }
        }
    }

    private long storedCheckpoint() {
        return store.checkpoints().getCheckpoint(NAME);
    }

    /** @return each position of {@code from..to} mapped to one application */
    private static Map<Long, Integer> onceEach(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().collect(Collectors.toMap(Function.identity(), p -> 1));
    }

    /** @return each of {@code positions} mapped to one application */
    private static Map<Long, Integer> onceEach(LongStream positions) {
        return positions.boxed().collect(Collectors.toMap(Function.identity(), p -> 1));
    }

    /** Steps until {@code last} accepts a result (included), failing the test after {@link #STEP_LIMIT} steps. */
    private static List<StepResult> stepUntil(ProjectionRunner runner, Predicate<StepResult> last) {
        List<StepResult> results = new ArrayList<>();
        for (int i = 0; i < STEP_LIMIT; i++) {
            StepResult result = runner.step();
            results.add(result);
            if (last.test(result)) {
                return results;
            }
        }
        throw new AssertionError("no final step result after " + STEP_LIMIT + " steps; last ones: "
                + results.subList(results.size() - 5, results.size()));
    }

    private static List<StepResult> stepUntilIdle(ProjectionRunner runner) {
        return stepUntil(runner, StepResult.Idle.class::isInstance);
    }

    // ---- tests ----------------------------------------------------------------------------------------

    @Nested
    class Applying {

        @Test
        void appliesEveryEventInOrderExactlyOnce() throws Exception {
            // given
            appendDeposits(25);
            ProjectionRunner runner = runnerFor(counting().build()).batchSize(10).build();

            // when
            long reached = runner.catchUp();

            // then
            assertThat(reached).isEqualTo(24L);
            assertThat(readModel.order()).containsExactlyElementsOf(LongStream.rangeClosed(0, 24).boxed().toList());
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 24));
            assertThat(storedCheckpoint()).isEqualTo(24L);
        }

        @Test
        void passesOverEventsWithoutHandlerButAdvancesTheCheckpoint() throws Exception {
            // given
            appendDeposit();
            source.append("misc", new Unrelated("no handler"));
            appendDeposit();
            source.append("misc", new Unrelated("no handler either"));
            ProjectionRunner runner = runnerFor(counting().build()).build();

            // when
            long reached = runner.catchUp();

            // then
            assertThat(reached).isEqualTo(3L);
            assertThat(readModel.order()).containsExactly(0L, 2L);
            assertThat(storedCheckpoint()).isEqualTo(3L);
            assertThat(runner.status().eventsProcessed()).isEqualTo(4L);
        }

        @Test
        void advancesTheCheckpointOverABatchWithOnlyUnhandledEvents() {
            // given
            source.append("misc", new Unrelated("a"));
            source.append("misc", new Unrelated("b"));
            ProjectionRunner runner = runnerFor(counting().build()).build();

            // when
            StepResult result = runner.step();

            // then
            assertThat(result).isEqualTo(new StepResult.Committed(-1, 1, 2));
            assertThat(readModel.size()).isZero();
            assertThat(storedCheckpoint()).isEqualTo(1L);
        }

        @Test
        void handlerForASupertypeReceivesEventsOfItsSubtypes() throws Exception {
            // given
            List<Object> received = new CopyOnWriteArrayList<>();
            Projection<InMemoryTransaction> projection = Projection.<InMemoryTransaction>builder(NAME)
                    .on(AccountEvent.class, (event, envelope, tx) -> tx.stage(() -> received.add(event)))
                    .build();
            Deposited deposited = new Deposited("a", 10);
            Withdrawn withdrawn = new Withdrawn("a", 4);
            source.append("a", deposited);
            source.append("misc", new Unrelated("not an account event"));
            source.append("a", withdrawn);
            ProjectionRunner runner = runnerFor(projection).build();

            // when
            runner.catchUp();

            // then
            assertThat(received).containsExactly(deposited, withdrawn);
            assertThat(storedCheckpoint()).isEqualTo(2L);
        }

        @Test
        void handlerOfTheExactTypeWinsOverASupertypeHandler() throws Exception {
            // given
            List<String> calls = new CopyOnWriteArrayList<>();
            Projection<InMemoryTransaction> projection = Projection.<InMemoryTransaction>builder(NAME)
                    .on(AccountEvent.class,
                            (event, envelope, tx) -> tx.stage(() -> calls.add("account:" + envelope.position())))
                    .on(Deposited.class,
                            (event, envelope, tx) -> tx.stage(() -> calls.add("deposit:" + envelope.position())))
                    .build();
            source.append("a", new Deposited("a", 1));
            source.append("a", new Withdrawn("a", 1));
            ProjectionRunner runner = runnerFor(projection).build();

            // when
            runner.catchUp();

            // then
            assertThat(calls).containsExactly("deposit:0", "account:1");
        }

        @Test
        void prefersTheSupertypeHandlerThatIsBothMoreSpecificAndRegisteredFirst() throws Exception {
            // given every pair of levels of a chain of event interfaces, the more specific one registered first:
            // whether the rule is "most specific wins" or "first registered wins", it must be chosen every time
            List<String> wrongChoices = new ArrayList<>();
            for (int specific = 1; specific < Levels.ALL.size(); specific++) {
                for (int general = 0; general < specific; general++) {
                    AtomicReference<Class<?>> chosen = new AtomicReference<>();
                    Class<?> specificType = Levels.ALL.get(specific);
                    Class<?> generalType = Levels.ALL.get(general);
                    Projection<InMemoryTransaction> projection = Projection.<InMemoryTransaction>builder(NAME)
                            .on(specificType, (event, envelope, tx) -> chosen.set(specificType))
                            .on(generalType, (event, envelope, tx) -> chosen.set(generalType))
                            .build();
                    InMemoryEventSource oneEvent = new InMemoryEventSource();
                    oneEvent.append("deep", new Levels.Deep());

                    // when
                    ProjectionRunner.builder(projection, ProjectionStore.inMemory(), oneEvent).build().catchUp();

                    if (chosen.get() != specificType) {
                        wrongChoices.add(specificType.getSimpleName() + " over " + generalType.getSimpleName()
                                + " lost to " + (chosen.get() == null ? "nothing" : chosen.get().getSimpleName()));
                    }
                }
            }

            // then
            assertThat(wrongChoices).as("pairs of supertype handlers where the other handler was chosen").isEmpty();
        }

        @Test
        void handsTheHandlerTheEventAndItsEnvelope() throws Exception {
            // given
            AtomicReference<Envelope> seen = new AtomicReference<>();
            AtomicReference<Object> seenEvent = new AtomicReference<>();
            Projection<InMemoryTransaction> projection = Projection.<InMemoryTransaction>builder(NAME)
                    .on(Deposited.class, (event, envelope, tx) -> {
                        seenEvent.set(event);
                        seen.set(envelope);
                    })
                    .build();
            Envelope appended = source.append("acc-7", new Deposited("acc-7", 50), Map.of("correlationId", "c-1"));
            ProjectionRunner runner = runnerFor(projection).build();

            // when
            runner.catchUp();

            // then
            assertThat(seenEvent.get()).isEqualTo(new Deposited("acc-7", 50));
            assertThat(seen.get()).isEqualTo(appended);
            assertThat(seen.get().eventType()).isEqualTo("Deposited");
            assertThat(seen.get().metadata()).containsEntry("correlationId", "c-1");
        }

        @Test
        void startsAfterACheckpointStoredBeforehand() throws Exception {
            // given
            appendDeposits(6);
            store.checkpoints().storeCheckpoint(NAME, 3);
            ProjectionRunner runner = runnerFor(counting().build()).build();

            // when
            long reached = runner.catchUp();

            // then
            assertThat(reached).isEqualTo(5L);
            assertThat(readModel.applications()).isEqualTo(onceEach(4, 5));
        }
    }

    @Nested
    class Stepping {

        @Test
        void returnsIdleWithCheckpointMinusOneOnAnEmptySource() {
            // given
            ProjectionRunner runner = runnerFor(counting().build()).build();

            // when
            StepResult result = runner.step();

            // then
            assertThat(result).isEqualTo(new StepResult.Idle(-1));
            assertThat(storedCheckpoint()).isEqualTo(-1L);
            assertThat(runner.status().state()).isEqualTo(ProjectionState.LIVE);
        }

        @Test
        void returnsCommittedWithTheRangeAndTheNumberOfEvents() {
            // given
            appendDeposits(3);
            ProjectionRunner runner = runnerFor(counting().build()).build();

            // when
            StepResult first = runner.step();
            StepResult second = runner.step();

            // then
            assertThat(first).isEqualTo(new StepResult.Committed(-1, 2, 3));
            assertThat(second).isEqualTo(new StepResult.Idle(2));
            assertThat(storedCheckpoint()).isEqualTo(2L);
        }

        @Test
        void commitsAtMostBatchSizeEventsPerTransaction() {
            // given
            appendDeposits(7);
            ProjectionRunner runner = runnerFor(counting().build()).batchSize(3).build();

            // when
            List<StepResult> results = stepUntilIdle(runner);

            // then
            assertThat(results).containsExactly(
                    new StepResult.Committed(-1, 2, 3),
                    new StepResult.Committed(2, 5, 3),
                    new StepResult.Committed(5, 6, 1),
                    new StepResult.Idle(6));
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 6));
        }

        @Test
        void commitsEachBatchWithItsCheckpoint() {
            // given
            appendDeposits(5);
            ProjectionRunner runner = runnerFor(counting().build()).batchSize(2).build();

            // when
            runner.step();

            // then
            assertThat(storedCheckpoint()).isEqualTo(1L);
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 1));
        }

        @Test
        void picksUpEventsAppendedAfterItWentIdle() {
            // given
            appendDeposits(2);
            ProjectionRunner runner = runnerFor(counting().build()).build();
            stepUntilIdle(runner);

            // when
            appendDeposits(2);
            StepResult result = runner.step();

            // then
            assertThat(result).isEqualTo(new StepResult.Committed(1, 3, 2));
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 3));
        }
    }

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
                assertThat(retrying.cause()).isInstanceOfSatisfying(EventApplyException.class,
                        e -> assertThat(e.envelope().position()).isEqualTo(2L));
            });
            assertThat(readModel.size()).as("effects staged before the failing event").isZero();
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
            assertThat(runner.status().lastError()).as("nothing is failing any more").isEmpty();
            assertThat(runner.status().errorHistory()).as("the failure moved to the history").singleElement()
                    .satisfies(resolved -> assertThat(resolved.error().message()).contains("flaky"));
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
                assertThat(error.cause()).isInstanceOf(IllegalStateException.class).hasMessage("boom: bad");
                assertThat(error.message()).contains("'" + NAME + "'", "position 5", "boom: bad");
            });
        }

        @Test
        void keepsReturningFailedAndProcessesNothingMore() {
            // given
            appendDepositsWithPoisonAt(3, 1);
            ProjectionRunner runner = runnerFor(countingWithPoison().build()).build();
            StepResult failure = stepUntil(runner, StepResult.Failed.class::isInstance).getLast();
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
            StepResult last = stepUntil(runner, StepResult.Failed.class::isInstance).getLast();

            // then
            assertThat(last).isInstanceOfSatisfying(StepResult.Failed.class,
                    failed -> assertThat(failed.error().position()).isZero());
            assertThat(readModel.size()).isZero();
            assertThat(storedCheckpoint()).isEqualTo(-1L);
        }

        @Test
        void isolatesThePoisonEventOfALaterBatch() {
            // given
            appendDepositsWithPoisonAt(10, 7);
            ProjectionRunner runner = runnerFor(countingWithPoison().build()).batchSize(3).build();

            // when
            StepResult last = stepUntil(runner, StepResult.Failed.class::isInstance).getLast();

            // then
            assertThat(last).isInstanceOfSatisfying(StepResult.Failed.class,
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
            ProjectionRunner runner = runnerFor(countingWithPoison().failurePolicy(FailurePolicy.skip()).build())
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
            ProjectionRunner runner = runnerFor(countingWithPoison().failurePolicy(FailurePolicy.skip()).build())
                    .build();

            // when
            List<StepResult> results = stepUntilIdle(runner);

            // then
            assertThat(results).filteredOn(StepResult.Skipped.class::isInstance).singleElement()
                    .isInstanceOfSatisfying(StepResult.Skipped.class, skipped -> {
                        assertThat(skipped.position()).isEqualTo(2L);
                        assertThat(skipped.error().eventType()).isEqualTo("Poison");
                    });
            assertThat(results).noneMatch(StepResult.Failed.class::isInstance);
            assertThat(runner.status().state()).isEqualTo(ProjectionState.LIVE);
            assertThat(runner.status().lastError()).isEmpty();
            assertThat(runner.status().errorHistory()).first()
                    .satisfies(resolved -> assertThat(resolved.error().position()).isEqualTo(2L));
        }

        @Test
        void skipsEveryPoisonEventOnItsOwn() throws Exception {
            // given
            appendDeposit();
            source.append("x", new Poison("first"));
            source.append("x", new Poison("second"));
            appendDeposit();
            ProjectionRunner runner = runnerFor(countingWithPoison().failurePolicy(FailurePolicy.skip()).build())
                    .build();

            // when
            runner.catchUp();

            // then
            assertThat(store.deadLetters()).extracting(letter -> letter.envelope().position()).containsExactly(1L, 2L);
            assertThat(readModel.applications()).isEqualTo(onceEach(LongStream.of(0, 3)));
            assertThat(storedCheckpoint()).isEqualTo(3L);
        }
    }

    @Nested
    class BatchHandlers {

        private final List<List<Long>> calls = new CopyOnWriteArrayList<>();

        private Projection.Builder<InMemoryTransaction> batchProjection() {
            return Projection.<InMemoryTransaction>builder(NAME).onBatch((batch, tx) -> {
                calls.add(batch.stream().map(Envelope::position).toList());
                for (Envelope envelope : batch) {
                    if (envelope.event() instanceof Poison) {
                        throw new IllegalStateException("batch boom at " + envelope.position());
                    }
                    readModel.stage(envelope, tx);
                }
            });
        }

        @Test
        void appliesWholeBatches() throws Exception {
            // given
            appendDeposits(5);
            ProjectionRunner runner = runnerFor(batchProjection().build()).batchSize(2).build();

            // when
            runner.catchUp();

            // then
            assertThat(calls).containsExactly(List.of(0L, 1L), List.of(2L, 3L), List.of(4L));
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 4));
        }

        @Test
        void isolationNarrowsTheFailureDownAndStopLeavesTheEventsBeforeIt() {
            // given
            appendDepositsWithPoisonAt(12, 6);
            ProjectionRunner runner = runnerFor(batchProjection().build()).build();

            // when
            StepResult last = stepUntil(runner, StepResult.Failed.class::isInstance).getLast();

            // then
            assertThat(last).isInstanceOfSatisfying(StepResult.Failed.class, failed -> {
                assertThat(failed.error().position()).isEqualTo(6L);
                assertThat(failed.error().cause()).hasMessage("batch boom at 6");
            });
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 5));
            assertThat(storedCheckpoint()).isEqualTo(5L);
            assertThat(calls).contains(List.of(6L));
        }

        @Test
        void isolationFindsAPoisonEventAtTheEndOfTheBatch() {
            // given
            appendDepositsWithPoisonAt(9, 8);
            ProjectionRunner runner = runnerFor(batchProjection().build()).build();

            // when
            StepResult last = stepUntil(runner, StepResult.Failed.class::isInstance).getLast();

            // then
            assertThat(last).isInstanceOfSatisfying(StepResult.Failed.class,
                    failed -> assertThat(failed.error().position()).isEqualTo(8L));
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 7));
            assertThat(storedCheckpoint()).isEqualTo(7L);
        }

        @Test
        void deadLetterNamesTheCheckedExceptionATypedHandlerThrew() throws Exception {
            // given
            Projection<InMemoryTransaction> projection = Projection.<InMemoryTransaction>builder(NAME)
                    .on(Poison.class, (event, envelope, tx) -> {
                        throw new IOException("disk gone");
                    })
                    .failurePolicy(FailurePolicy.skip())
                    .build();
            source.append("x", new Poison("io"));
            ProjectionRunner runner = runnerFor(projection).build();

            // when
            runner.catchUp();

            // then
            assertThat(store.deadLetters()).singleElement().satisfies(letter -> {
                assertThat(letter.errorClass()).isEqualTo(IOException.class.getName());
                assertThat(letter.message()).isEqualTo("disk gone");
            });
        }

        @Test
        void deadLetterNamesTheCheckedExceptionTheBatchHandlerThrew() throws Exception {
            // given
            Projection<InMemoryTransaction> projection = Projection.<InMemoryTransaction>builder(NAME)
                    .onBatch((batch, tx) -> {
                        throw new IOException("disk gone");
                    })
                    .failurePolicy(FailurePolicy.skip())
                    .build();
            source.append("x", new Poison("io"));
            ProjectionRunner runner = runnerFor(projection).build();

            // when
            runner.catchUp();

            // then
            assertThat(store.deadLetters()).singleElement().satisfies(letter -> {
                assertThat(letter.errorClass()).isEqualTo(IOException.class.getName());
                assertThat(letter.message()).isEqualTo("disk gone");
            });
            assertThat(runner.status().errorHistory()).first()
                    .satisfies(resolved -> assertThat(resolved.error().cause()).isInstanceOf(IOException.class));
        }

        @Test
        void skipPolicyDeadLettersOnlyThePoisonEvent() throws Exception {
            // given
            appendDepositsWithPoisonAt(12, 6);
            ProjectionRunner runner = runnerFor(batchProjection().failurePolicy(FailurePolicy.skip()).build()).build();

            // when
            long reached = runner.catchUp();

            // then
            assertThat(reached).isEqualTo(11L);
            assertThat(store.deadLetters()).extracting(letter -> letter.envelope().position()).containsExactly(6L);
            assertThat(store.deadLetters().getFirst().errorClass()).isEqualTo(IllegalStateException.class.getName());
            assertThat(readModel.applications())
                    .isEqualTo(onceEach(LongStream.rangeClosed(0, 11).filter(p -> p != 6)));
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
            assertThat(results.subList(0, 3)).allSatisfy(result ->
                    assertThat(result).isInstanceOfSatisfying(StepResult.Retrying.class, retrying -> {
                        assertThat(retrying.transientFailure()).isTrue();
                        assertThat(retrying.cause()).isInstanceOf(TransientStoreException.class);
                    }));
            assertThat(results.subList(0, 3)).extracting(r -> ((StepResult.Retrying) r).failures())
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
            ProjectionRunner runner = runnerFor(countingWithPoison().failurePolicy(FailurePolicy.skip()).build())
                    .retryPolicy(new RetryPolicy(1, Duration.ZERO, Duration.ZERO))
                    .build();
            // the first commits that get past the handlers are the isolation's commits of the events before the poison
            store.failNextCommits(2);

            // when
            long reached = runner.catchUp();

            // then
            assertThat(reached).isEqualTo(7L);
            assertThat(store.deadLetters()).extracting(letter -> letter.envelope().position()).containsExactly(3L);
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
            assertThat(results).allMatch(r -> r instanceof StepResult.Committed || r instanceof StepResult.Conflict
                    || r instanceof StepResult.Idle);
            int committedEvents = results.stream()
                    .filter(StepResult.Committed.class::isInstance)
                    .mapToInt(r -> ((StepResult.Committed) r).events())
                    .sum();
            assertThat(committedEvents).as("events committed by both runners together").isEqualTo(300);
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
            assertThat(conflict).isInstanceOfSatisfying(StepResult.Conflict.class,
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
            ProjectionRunner runner = tracked(runnerFor(counting().build()).idleWait(Duration.ofMinutes(1)).build());
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
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(readModel.applications())
                    .isEqualTo(onceEach(0, 0)));
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
                        Thread thread = Thread.ofPlatform().name("loop-under-test").unstarted(task);
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
            ProjectionRunner runner = tracked(runnerFor(countingWithPoison().build()).build());
            runner.start();

            // when
            appendDepositsWithPoisonAt(3, 1);

            // then
            await().atMost(PATIENCE).until(() -> runner.status().state() == ProjectionState.FAILED);
            runner.stop();
            assertThat(runner.status().state()).isEqualTo(ProjectionState.FAILED);
            assertThat(runner.status().lastError()).hasValueSatisfying(e -> assertThat(e.position()).isEqualTo(1L));
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 0));
            assertThat(storedCheckpoint()).isZero();
        }

        @Test
        void goesOnPastAPoisonEventUnderSkip() {
            // given
            ProjectionRunner runner = tracked(
                    runnerFor(countingWithPoison().failurePolicy(FailurePolicy.skip()).build()).build());
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
                        Thread thread = Thread.ofPlatform().name("loop-under-test").unstarted(task);
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
            assertThat(stopReturned.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(returnedWhileHandlerBlocked).as("stop returned while the handler was blocked").isFalse();
            assertThat(handlerDoneAtStopReturn).as("handler finished when stop returned").isTrue();
            assertThat(loopAliveAtStopReturn).as("loop thread alive when stop returned").isFalse();
            assertThat(readModelAtStopReturn.get()).as("the batch commits whole or not at all")
                    .satisfiesAnyOf(
                            applied -> assertThat(applied).isEmpty(),
                            applied -> assertThat(applied).isEqualTo(onceEach(0, 3)));
            assertThat(checkpointAtStopReturn.get()).isEqualTo(readModelAtStopReturn.get().isEmpty() ? -1L : 3L);
            assertThat(runner.status().state()).isEqualTo(ProjectionState.STOPPED);
        }
    }

    @Nested
    class Status {

        @Test
        void reportsProgressWhenCaughtUpPartWay() {
            // given
            appendDeposits(10);
            ProjectionRunner runner = runnerFor(counting().build()).batchSize(3).build();

            // when
            runner.step();
            runner.step();

            // then
            ProjectionStatus status = runner.status();
            assertThat(status.checkpoint()).isEqualTo(5L);
            assertThat(status.headPosition()).isEqualTo(9L);
            assertThat(status.lagEvents()).isEqualTo(4L);
            assertThat(status.eventsProcessed()).isEqualTo(6L);
            assertThat(status.state()).isEqualTo(ProjectionState.CATCHING_UP);
            assertThat(status.lastError()).isEmpty();
        }

        @Test
        void reportsLiveWithoutLagOnceCaughtUp() throws Exception {
            // given
            appendDeposits(10);
            ProjectionRunner runner = runnerFor(counting().build()).batchSize(3).build();

            // when
            runner.catchUp();

            // then
            ProjectionStatus status = runner.status();
            assertThat(status.checkpoint()).isEqualTo(9L);
            assertThat(status.headPosition()).isEqualTo(9L);
            assertThat(status.lagEvents()).isZero();
            assertThat(status.eventsProcessed()).isEqualTo(10L);
            assertThat(status.state()).isEqualTo(ProjectionState.LIVE);
        }

        @Test
        void reportsAnEmptySource() {
            // given
            ProjectionRunner runner = runnerFor(counting().build()).build();

            // when
            runner.step();

            // then
            ProjectionStatus status = runner.status();
            assertThat(status.checkpoint()).isEqualTo(-1L);
            assertThat(status.headPosition()).isEqualTo(-1L);
            assertThat(status.lagEvents()).isZero();
            assertThat(status.eventsProcessed()).isZero();
        }

        @Test
        void countsOnlyTheEventsThisRunnerCommitted() {
            // given
            appendDeposits(4);
            store.checkpoints().storeCheckpoint(NAME, 2);
            ProjectionRunner runner = runnerFor(counting().build()).build();

            // when
            runner.step();

            // then
            ProjectionStatus status = runner.status();
            assertThat(status.eventsProcessed()).isEqualTo(1L);
            assertThat(status.checkpoint()).isEqualTo(3L);
        }

        @Test
        void reportsTheStoredCheckpointOfAResumedRunner() {
            // given
            appendDeposits(4);
            store.checkpoints().storeCheckpoint(NAME, 3);
            ProjectionRunner runner = runnerFor(counting().build()).build();

            // when
            StepResult result = runner.step();

            // then
            assertThat(result).isEqualTo(new StepResult.Idle(3));
            assertThat(runner.status().checkpoint()).isEqualTo(3L);
            assertThat(runner.status().headPosition()).isEqualTo(3L);
            assertThat(runner.status().eventsProcessed()).isZero();
        }
    }

    @Nested
    class Tenants {

        @Test
        void storesTheCheckpointUnderItsTenantOnly() throws Exception {
            // given
            appendDeposits(3);
            ProjectionRunner runner = runnerFor(counting().build()).tenant("acme").build();

            // when
            runner.catchUp();

            // then
            assertThat(store.checkpoints().forTenant("acme").getCheckpoint(NAME)).isEqualTo(2L);
            assertThat(store.checkpoints().getCheckpoint(NAME)).isEqualTo(-1L);
            assertThat(store.checkpoints().forTenant("globex").getCheckpoint(NAME)).isEqualTo(-1L);
            assertThat(runner.key()).isEqualTo(new CheckpointKey("acme", NAME));
            assertThat(runner.status().tenantId()).isEqualTo("acme");
        }

        @Test
        void resumesFromItsTenantsCheckpoint() throws Exception {
            // given
            appendDeposits(5);
            store.checkpoints().forTenant("acme").storeCheckpoint(NAME, 2);
            store.checkpoints().storeCheckpoint(NAME, 4);
            ProjectionRunner runner = runnerFor(counting().build()).tenant("acme").build();

            // when
            StepResult result = runner.step();

            // then
            assertThat(result).isEqualTo(new StepResult.Committed(2, 4, 2));
            assertThat(readModel.applications()).isEqualTo(onceEach(3, 4));
        }

        @Test
        void runnersOfDifferentTenantsProgressIndependently() throws Exception {
            // given
            appendDeposits(3);
            CountingReadModel globexModel = new CountingReadModel();
            Projection<InMemoryTransaction> globexProjection = Projection.<InMemoryTransaction>builder(NAME)
                    .on(Deposited.class, (event, envelope, tx) -> globexModel.stage(envelope, tx))
                    .build();
            ProjectionRunner acme = runnerFor(counting().build()).tenant("acme").build();
            ProjectionRunner globex = runnerFor(globexProjection).tenant("globex").build();

            // when
            acme.catchUp();
            globex.catchUp();

            // then
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 2));
            assertThat(globexModel.applications()).isEqualTo(onceEach(0, 2));
            assertThat(store.checkpoints().forTenant("acme").getCheckpoint(NAME)).isEqualTo(2L);
            assertThat(store.checkpoints().forTenant("globex").getCheckpoint(NAME)).isEqualTo(2L);
        }

        @Test
        void deadLettersNameTheTenant() throws Exception {
            // given
            appendDepositsWithPoisonAt(3, 1);
            ProjectionRunner runner = runnerFor(countingWithPoison().failurePolicy(FailurePolicy.skip()).build())
                    .tenant("acme")
                    .build();

            // when
            runner.catchUp();

            // then
            assertThat(store.deadLetters()).singleElement()
                    .satisfies(letter -> assertThat(letter.key()).isEqualTo(new CheckpointKey("acme", NAME)));
        }
    }
}
