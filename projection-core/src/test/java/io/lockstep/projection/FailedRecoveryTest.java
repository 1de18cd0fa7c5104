package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

import io.lockstep.projection.TestEvents.Deposited;
import io.lockstep.projection.TestEvents.Poison;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * A FAILED projection and the commands its error names: each message names only commands that work, and each
 * command named is carried out here and shown to work. Also the skip policy's budget of dead letters in a row.
 */
class FailedRecoveryTest {

    private static final String NAME = "balances";
    private static final RetryPolicy ONE_ATTEMPT = new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
    private static final int STEP_LIMIT = 10_000;

    private final InMemoryProjectionStore store = ProjectionStore.inMemory();
    private final InMemoryEventSource source = new InMemoryEventSource();
    private final CountingReadModel readModel = new CountingReadModel();
    /** While true, the Poison handler throws: "fixing the handler" sets it to false. */
    private final AtomicBoolean poisonFails = new AtomicBoolean(true);

    private final List<ProjectionRunner> runners = new ArrayList<>();

    @AfterEach
    void stopRunners() {
        runners.forEach(ProjectionRunner::stop);
    }

    private Projection.Builder<InMemoryTransaction> projection() {
        return Projection.<InMemoryTransaction>builder(NAME)
                .on(Deposited.class, (event, envelope, tx) -> readModel.stage(envelope, tx))
                .on(Poison.class, (event, envelope, tx) -> {
                    if (poisonFails.get()) {
                        throw new IllegalStateException("boom: " + event.reason());
                    }
                    readModel.stage(envelope, tx);
                });
    }

    private ProjectionRunner runner(FailurePolicy policy) {
        return runner(projection().failurePolicy(policy).build(), source);
    }

    private ProjectionRunner runner(Projection<InMemoryTransaction> projection, EventSource events) {
        ProjectionRunner runner = ProjectionRunner.builder(projection, store, events)
                .retryPolicy(ONE_ATTEMPT)
                .idleWait(Duration.ofMillis(20))
                .build();
        runners.add(runner);
        return runner;
    }

    private void append(int deposits) {
        for (int i = 0; i < deposits; i++) {
            source.append("a", new Deposited("a", 1));
        }
    }

    private void appendPoison(int count) {
        for (int i = 0; i < count; i++) {
            source.append("x", new Poison("bad " + i));
        }
    }

    private static StepResult stepUntil(ProjectionRunner runner, Predicate<StepResult> last) {
        for (int i = 0; i < STEP_LIMIT; i++) {
            StepResult result = runner.step();
            if (last.test(result)) {
                return result;
            }
        }
        throw new AssertionError("no final step result after " + STEP_LIMIT + " steps");
    }

    private static StepResult.Failed stepUntilFailed(ProjectionRunner runner) {
        return (StepResult.Failed)
                stepUntil(runner, r -> r instanceof StepResult.Failed || r instanceof StepResult.Idle);
    }

    @Nested
    class Resume {

        @Test
        void retriesAFailedProjectionFromItsCheckpointOnceTheCauseIsFixed() {
            // given
            append(3);
            appendPoison(1);
            append(2);
            ProjectionRunner runner = runner(FailurePolicy.stop());
            StepResult.Failed failed = stepUntilFailed(runner);
            assertThat(failed.error().message()).contains("then resume").contains("checkpoint 2");

            // when
            poisonFails.set(false);
            runner.resume();
            StepResult result = stepUntil(runner, StepResult.Idle.class::isInstance);

            // then
            assertThat(result).isEqualTo(new StepResult.Idle(5));
            assertThat(runner.status().state()).isEqualTo(ProjectionState.LIVE);
            assertThat(readModel.applications().keySet()).containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L, 5L);
            assertThat(runner.status().lastError()).isEmpty();
            assertThat(runner.status().errorHistory())
                    .first()
                    .satisfies(
                            resolved -> assertThat(resolved.error().position()).isEqualTo(3L));
        }

        @Test
        void failsAgainNamingTheEventWhenTheCauseIsStillThere() {
            // given
            append(1);
            appendPoison(1);
            ProjectionRunner runner = runner(FailurePolicy.stop());
            stepUntilFailed(runner);

            // when
            runner.resume();
            StepResult result = stepUntil(runner, r -> r instanceof StepResult.Failed || r instanceof StepResult.Idle);

            // then
            assertThat(result)
                    .isInstanceOfSatisfying(
                            StepResult.Failed.class,
                            failed -> assertThat(failed.error().position()).isEqualTo(1L));
            assertThat(runner.status().state()).isEqualTo(ProjectionState.FAILED);
        }

        @Test
        void resumesTheLoopOfAStartedRunner() {
            // given
            append(2);
            appendPoison(1);
            ProjectionRunner runner = runner(FailurePolicy.stop());
            runner.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> runner.status().state() == ProjectionState.FAILED);

            // when
            poisonFails.set(false);
            runner.resume();

            // then
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> runner.status().state() == ProjectionState.LIVE
                            && runner.status().checkpoint() == 2);
        }

        @Test
        void theResetNamedInAPoisonErrorGoesPastTheEvent() {
            // given
            append(2);
            appendPoison(1);
            append(1);
            ProjectionRunner runner = runner(FailurePolicy.stop());
            StepResult.Failed failed = stepUntilFailed(runner);
            assertThat(failed.error().message()).contains("reset to 2");

            // when
            runner.resetTo(2);

            // then
            assertThat(stepUntil(runner, StepResult.Idle.class::isInstance)).isEqualTo(new StepResult.Idle(3));
            assertThat(readModel.applications().keySet()).containsExactlyInAnyOrder(0L, 1L, 3L);
        }

        @Test
        void aSourceOutOfOrderFailsNamingResumeWhichWorksOnceTheSourceIsFixed() {
            // given: a source that returns a position twice until it is fixed
            append(3);
            AtomicBoolean broken = new AtomicBoolean(true);
            EventSource disordered = new EventSource() {
                @Override
                public List<Envelope> read(long afterPosition, int maxEvents) {
                    List<Envelope> events = source.read(afterPosition, maxEvents);
                    return broken.get() && !events.isEmpty() ? List.of(events.getFirst(), events.getFirst()) : events;
                }

                @Override
                public long headPosition() {
                    return source.headPosition();
                }

                @Override
                public boolean awaitEvents(long afterPosition, Duration timeout) throws InterruptedException {
                    return source.awaitEvents(afterPosition, timeout);
                }
            };
            ProjectionRunner runner = runner(projection().build(), disordered);
            StepResult.Failed failed = stepUntilFailed(runner);
            assertThat(failed.error().message()).contains("fix the event source, then resume");

            // when
            broken.set(false);
            runner.resume();

            // then
            assertThat(stepUntil(runner, StepResult.Idle.class::isInstance)).isEqualTo(new StepResult.Idle(2));
        }

        @Test
        void aDeadLetterThatCannotBeRecordedFailsNamingResumeWhichWorksOnceTheTableIsThere() {
            // given: a store whose dead-letter table is missing, failing in a way the store did not classify
            AtomicBoolean tableMissing = new AtomicBoolean(true);
            ProjectionStore<InMemoryTransaction> withoutDeadLetters = new DelegatingStore(store) {
                @Override
                public void recordDeadLetter(InMemoryTransaction tx, DeadLetter letter) {
                    if (tableMissing.get()) {
                        throw new IllegalStateException("relation \"dead_letters\" does not exist");
                    }
                    super.recordDeadLetter(tx, letter);
                }
            };
            append(1);
            appendPoison(1);
            ProjectionRunner runner = ProjectionRunner.builder(
                            projection().failurePolicy(FailurePolicy.skip()).build(), withoutDeadLetters, source)
                    .retryPolicy(ONE_ATTEMPT)
                    .build();
            StepResult.Failed failed = stepUntilFailed(runner);
            assertThat(failed.error().message())
                    .contains("dead letter could not be recorded")
                    .contains("then resume");

            // when
            tableMissing.set(false);
            runner.resume();

            // then
            assertThat(stepUntil(runner, StepResult.Idle.class::isInstance)).isEqualTo(new StepResult.Idle(1));
            assertThat(store.deadLetters())
                    .singleElement()
                    .satisfies(
                            letter -> assertThat(letter.envelope().position()).isEqualTo(1L));
        }

        @Test
        void aVersionTooNewForTheCodeNamesReplayOnlyWhenTheProjectionCanReplay() throws Exception {
            // given
            append(1);
            runner(projection().version(2).build(), source).catchUp();

            // when
            StepResult.Failed withoutReset =
                    stepUntilFailed(runner(projection().version(1).build(), source));

            // then
            assertThat(withoutReset.error().message())
                    .contains("deploy version 2 or later")
                    .doesNotContain("replay to");
        }
    }

    @Nested
    class SkipBudget {

        @Test
        void stopsInsteadOfDeadLetteringMoreEventsInARowThanTheBudget() {
            // given
            append(2);
            appendPoison(4);
            append(1);
            ProjectionRunner runner = runner(FailurePolicy.skip(3));

            // when
            StepResult.Failed failed = stepUntilFailed(runner);

            // then
            assertThat(store.deadLetters())
                    .extracting(letter -> letter.envelope().position())
                    .containsExactly(2L, 3L, 4L);
            assertThat(failed.error().position()).isEqualTo(5L);
            assertThat(failed.error().message())
                    .contains("FailurePolicy.skip(3)")
                    .contains("then resume")
                    .contains("checkpoint 4");
            assertThat(runner.status().state()).isEqualTo(ProjectionState.FAILED);
            assertThat(runner.status().checkpoint()).isEqualTo(4L);
        }

        @Test
        void theResumeItNamesGoesOnOnceTheCauseIsFixed() {
            // given
            appendPoison(3);
            append(2);
            ProjectionRunner runner = runner(FailurePolicy.skip(2));
            stepUntilFailed(runner);

            // when
            poisonFails.set(false);
            runner.resume();

            // then
            assertThat(stepUntil(runner, StepResult.Idle.class::isInstance)).isEqualTo(new StepResult.Idle(4));
            assertThat(store.deadLetters()).hasSize(2);
            assertThat(readModel.applications().keySet()).containsExactlyInAnyOrder(2L, 3L, 4L);
        }

        @Test
        void anEventAppliedBetweenTwoDeadLettersStartsTheCountOver() {
            // given: poison and deposits alternate, with a budget of one dead letter in a row
            for (int i = 0; i < 5; i++) {
                appendPoison(1);
                append(1);
            }
            ProjectionRunner runner = runner(FailurePolicy.skip(1));

            // when
            StepResult last = stepUntil(runner, r -> r instanceof StepResult.Failed || r instanceof StepResult.Idle);

            // then
            assertThat(last).isEqualTo(new StepResult.Idle(9));
            assertThat(store.deadLetters())
                    .extracting(letter -> letter.envelope().position())
                    .containsExactlyElementsOf(
                            LongStream.of(0, 2, 4, 6, 8).boxed().toList());
        }

        @Test
        void theDefaultBudgetIsTenDeadLettersInARow() {
            // given
            appendPoison(FailurePolicy.DEFAULT_MAX_CONSECUTIVE_SKIPS + 1);
            ProjectionRunner runner = runner(FailurePolicy.skip());

            // when
            StepResult.Failed failed = stepUntilFailed(runner);

            // then
            assertThat(store.deadLetters()).hasSize(10);
            assertThat(failed.error().position()).isEqualTo(10L);
        }

        @Test
        void aBudgetOutOfRangeIsRefusedNamingTheRangeAndTheDefault() {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> FailurePolicy.skip(0))
                    .withMessage("maxConsecutive 0 makes no sense; use 1..100000 (default 10)");
        }
    }

    /** A store that passes every call on to another one; tests override what they break. */
    private static class DelegatingStore extends ForwardingProjectionStore<InMemoryTransaction> {
        DelegatingStore(InMemoryProjectionStore delegate) {
            super(delegate);
        }
    }
}
