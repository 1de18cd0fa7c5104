package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lockstep.projection.TestEvents.Deposited;
import io.lockstep.projection.TestEvents.Poison;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The operator's controls of a runner: pause, resume, replay, resetTo, version rebuilds, and what it reports. */
class OperatorControlsTest {

    private static final String NAME = "balances";
    private static final CheckpointKey KEY = CheckpointKey.of(NAME);
    private static final CheckpointKey BUILD_V2 = new CheckpointKey(CheckpointKey.NO_TENANT, NAME + "@v2");
    private static final RetryPolicy FAST_RETRIES = new RetryPolicy(3, Duration.ZERO, Duration.ZERO);
    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final int STEP_LIMIT = 10_000;

    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final InMemoryProjectionStore store = ProjectionStore.inMemory();
    private final InMemoryEventSource source = new InMemoryEventSource(clock);
    /** The read model as readers see it: cleared by the reset handler. */
    private final Table table = new Table();
    /** Every effect ever committed, never cleared: shows what was applied again. */
    private final CountingReadModel history = new CountingReadModel();
    /** Calls of the reset handler, committed or not. */
    private final AtomicInteger resets = new AtomicInteger();
    private final List<ProjectionRunner> runners = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopRunners() {
        runners.forEach(ProjectionRunner::stop);
    }

    // ---- fixtures -------------------------------------------------------------------------------------

    /** A projection without reset handler that writes each Deposited to {@link #table} and {@link #history}. */
    private Projection.Builder<InMemoryTransaction> counting() {
        return Projection.<InMemoryTransaction>builder(NAME)
                .on(Deposited.class, (event, envelope, tx) -> {
                    table.stage(envelope, tx);
                    history.stage(envelope, tx);
                });
    }

    /** {@link #counting()} with a reset handler that counts its calls and clears {@link #table}. */
    private Projection.Builder<InMemoryTransaction> resettable() {
        return counting().onReset(tx -> {
            resets.incrementAndGet();
            table.stageClear(tx);
        });
    }

    /** {@link #counting()} plus a handler that always fails on {@link Poison}. */
    private Projection.Builder<InMemoryTransaction> countingWithPoison() {
        return counting().on(Poison.class, (event, envelope, tx) -> {
            throw new IllegalStateException("boom: " + event.reason());
        });
    }

    private ProjectionRunner.Builder<InMemoryTransaction> runnerFor(Projection<InMemoryTransaction> projection) {
        return runnerFor(projection, source);
    }

    private ProjectionRunner.Builder<InMemoryTransaction> runnerFor(Projection<InMemoryTransaction> projection,
                                                                     EventSource events) {
        return ProjectionRunner.builder(projection, store, events)
                .retryPolicy(FAST_RETRIES)
                .idleWait(Duration.ofMillis(50))
                .clock(clock);
    }

    /** Remembers {@code runner} so that it is stopped after the test. */
    private ProjectionRunner tracked(ProjectionRunner runner) {
        runners.add(runner);
        return runner;
    }

    private void appendDeposits(int count) {
        for (int i = 0; i < count; i++) {
            long next = source.headPosition() + 1;
            String account = "account-" + (next % 3);
            source.append(account, new Deposited(account, next));
        }
    }

    /** Appends {@code total} events, all deposits except a {@link Poison} at {@code poisonPosition}. */
    private void appendDepositsWithPoisonAt(int total, long poisonPosition) {
        for (int i = 0; i < total; i++) {
            if (i == poisonPosition) {
                source.append("account-x", new Poison("bad"));
            } else {
                appendDeposits(1);
            }
        }
    }

    private StoredCheckpoint stored() {
        return store.readCheckpoint(KEY);
    }

    /** @return each position of {@code from..to} mapped to {@code times} */
    private static Map<Long, Integer> each(long from, long to, int times) {
        return LongStream.rangeClosed(from, to).boxed().collect(Collectors.toMap(Function.identity(), p -> times));
    }

    /** @return each position of {@code from..to} mapped to one application */
    private static Map<Long, Integer> onceEach(long from, long to) {
        return each(from, to, 1);
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

    /** A read-model table in memory: the positions applied since it was last cleared. Thread-safe. */
    private static final class Table {
        private final Map<Long, Integer> rows = new ConcurrentHashMap<>();

        void stage(Envelope envelope, InMemoryTransaction tx) {
            tx.stage(() -> rows.merge(envelope.position(), 1, Integer::sum));
        }

        void stageClear(InMemoryTransaction tx) {
            tx.stage(rows::clear);
        }

        Map<Long, Integer> rows() {
            return Map.copyOf(rows);
        }
    }

    /** A clock the test moves by hand. */
    private static final class MutableClock implements InstantSource {
        private final AtomicReference<Instant> now;

        MutableClock(Instant start) {
            this.now = new AtomicReference<>(start);
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        void advance(Duration duration) {
            now.updateAndGet(instant -> instant.plus(duration));
        }
    }

    /** An event source that runs a hook right after each read: between a runner's read and its commit. */
    private static final class HookedSource implements EventSource {
        private final EventSource delegate;
        private volatile Runnable afterRead = () -> { };

        HookedSource(EventSource delegate) {
            this.delegate = delegate;
        }

        @Override
        public List<Envelope> read(long afterPosition, int maxEvents) {
            List<Envelope> batch = delegate.read(afterPosition, maxEvents);
            afterRead.run();
            return batch;
        }

        @Override
        public long headPosition() {
            return delegate.headPosition();
        }

        @Override
        public boolean awaitEvents(long afterPosition, Duration timeout) throws InterruptedException {
            return delegate.awaitEvents(afterPosition, timeout);
        }
    }

    /** Records what a runner tells its listener. */
    private static final class RecordingListener implements ProjectionListener {
        final List<Integer> committedBatches = new CopyOnWriteArrayList<>();
        final List<Long> checkpointsAtCommit = new CopyOnWriteArrayList<>();
        final List<ProjectionState> states = new CopyOnWriteArrayList<>();

        @Override
        public void batchCommitted(ProjectionStatus status, int events, Duration duration) {
            committedBatches.add(events);
            checkpointsAtCommit.add(status.checkpoint());
        }

        @Override
        public void stateChanged(ProjectionStatus status) {
            states.add(status.state());
        }
    }

    /** Versioned tables that record the calls of a side-by-side rebuild. */
    private static final class RecordingTables implements RebuildStrategy.VersionedTables<InMemoryTransaction> {
        final List<Integer> created = new CopyOnWriteArrayList<>();
        final List<List<Integer>> promoted = new CopyOnWriteArrayList<>();
        final AtomicInteger promotionsToFail = new AtomicInteger();

        @Override
        public void create(InMemoryTransaction tx, int version) {
            created.add(version);
        }

        @Override
        public void promote(InMemoryTransaction tx, int fromVersion, int toVersion) {
            promoted.add(List.of(fromVersion, toVersion));
            if (promotionsToFail.getAndDecrement() > 0) {
                throw new IllegalStateException("cannot re-point the view to version " + toVersion);
            }
        }
    }

    // ---- tests ----------------------------------------------------------------------------------------

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
            assertThat(result).isInstanceOfSatisfying(StepResult.Conflict.class,
                    conflict -> assertThat(conflict.cause().key()).isEqualTo(KEY));
            assertThat(history.size()).isZero();
            assertThat(stored().position()).isEqualTo(-1L);
            hooked.afterRead = () -> { };
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
            Projection<InMemoryTransaction> projection = counting().onReset(tx -> {
                resets.incrementAndGet();
                table.stageClear(tx);
                throw new IllegalStateException("disk full");
            }).build();
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
            assertThatIllegalArgumentException().isThrownBy(() -> runner.resetTo(-2))
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
            assertThat(history.applications())
                    .isEqualTo(Map.of(0L, 1, 1L, 1, 2L, 1, 3L, 2, 4L, 2, 5L, 2));
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
            assertThat(history.applications()).isEqualTo(onceEach(LongStream.rangeClosed(0, 9).filter(p -> p != 5)));
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
            assertThat(history.applications()).isEqualTo(onceEach(LongStream.rangeClosed(0, 9).filter(p -> p != 5)));
        }
    }

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
            ProjectionRunner upgraded = runnerFor(resettable().version(2).build()).build();
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
            ProjectionRunner restarted = runnerFor(resettable().version(2).build()).build();
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
            ProjectionRunner downgraded = runnerFor(resettable().version(1).build()).build();
            StepResult result = downgraded.step();

            // then
            assertThat(result).isInstanceOfSatisfying(StepResult.Failed.class,
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
            ProjectionRunner downgraded = runnerFor(resettable().version(1).build()).build();
            assertThat(downgraded.step()).isInstanceOfSatisfying(StepResult.Failed.class,
                    failed -> assertThat(failed.error().message()).contains("replay to rebuild it with this one"));

            // when
            downgraded.replay();
            List<StepResult> results = stepUntil(downgraded,
                    r -> r instanceof StepResult.Idle || r instanceof StepResult.Failed);

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
            assertThat(result).isInstanceOfSatisfying(StepResult.Failed.class,
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
                    .on(Deposited.class, (event, envelope, tx) -> tableOf(version).stage(envelope, tx))
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
            assertThat(store.readCheckpoint(BUILD_V2).paused()).as("build retired").isTrue();
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
            List<StepResult> results = stepUntil(v2,
                    r -> r instanceof StepResult.Idle || r instanceof StepResult.Failed);

            // then
            assertThat(results).last().isEqualTo(new StepResult.Idle(9));
            assertThat(stored()).isEqualTo(new StoredCheckpoint(9, false, 2));
            assertThat(tables.promoted).containsExactly(List.of(1, 2), List.of(1, 2));
        }
    }

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
            ProjectionRunner runner = runnerFor(counting().build()).batchSize(500).build();

            // when: 120 events committed within one second
            runner.step();

            // then
            assertThat(runner.status().eventsPerSecond()).isEqualTo(2.0);
        }

        @Test
        void eventsPerSecondForgetsCommitsOlderThanAMinute() {
            // given: 120 events committed, then 60 more half a minute later
            ProjectionRunner runner = runnerFor(counting().build()).batchSize(500).build();
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
            ProjectionRunner runner = runnerFor(counting().build()).batchSize(3).listener(listener).build();

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
            ProjectionRunner runner = runnerFor(counting().build()).listener(listener).build();
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
            ProjectionRunner runner = runnerFor(counting().build()).batchSize(2).listener(throwing).build();

            // when
            List<StepResult> results = stepUntilIdle(runner);
            runner.pause();
            StepResult paused = runner.step();

            // then
            assertThat(results).containsExactly(new StepResult.Committed(-1, 1, 2), new StepResult.Committed(1, 3, 2),
                    new StepResult.Committed(3, 4, 1), new StepResult.Idle(4));
            assertThat(paused).isEqualTo(new StepResult.Paused(4));
            assertThat(history.applications()).isEqualTo(onceEach(0, 4));
            assertThat(stored().position()).isEqualTo(4L);
            assertThat(runner.status().state()).isEqualTo(ProjectionState.PAUSED);
            assertThat(calls.get()).isGreaterThanOrEqualTo(4);
        }
    }
}
