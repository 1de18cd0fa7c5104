package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.projection.TestEvents.Poison;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Projections that handle a whole batch at once. */
class BatchHandlersTest extends RunnerFixture {

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
            ProjectionRunner runner =
                    runnerFor(batchProjection().build()).batchSize(2).build();

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
            StepResult last =
                    stepUntil(runner, StepResult.Failed.class::isInstance).getLast();

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
            StepResult last =
                    stepUntil(runner, StepResult.Failed.class::isInstance).getLast();

            // then
            assertThat(last)
                    .isInstanceOfSatisfying(
                            StepResult.Failed.class,
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
            assertThat(runner.status().errorHistory())
                    .first()
                    .satisfies(resolved -> assertThat(resolved.error().cause()).isInstanceOf(IOException.class));
        }

        @Test
        void skipPolicyDeadLettersOnlyThePoisonEvent() throws Exception {
            // given
            appendDepositsWithPoisonAt(12, 6);
            ProjectionRunner runner = runnerFor(batchProjection()
                            .failurePolicy(FailurePolicy.skip())
                            .build())
                    .build();

            // when
            long reached = runner.catchUp();

            // then
            assertThat(reached).isEqualTo(11L);
            assertThat(store.deadLetters())
                    .extracting(letter -> letter.envelope().position())
                    .containsExactly(6L);
            assertThat(store.deadLetters().getFirst().errorClass()).isEqualTo(IllegalStateException.class.getName());
            assertThat(readModel.applications())
                    .isEqualTo(onceEach(LongStream.rangeClosed(0, 11).filter(p -> p != 6)));
        }
    }
}
