package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.projection.TestEvents.AccountEvent;
import io.lockstep.projection.TestEvents.Deposited;
import io.lockstep.projection.TestEvents.Levels;
import io.lockstep.projection.TestEvents.Unrelated;
import io.lockstep.projection.TestEvents.Withdrawn;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** A runner applies events in order, exactly once, and steps as its results say. */
class ProjectionRunnerTest extends RunnerFixture {

    @Nested
    class Applying {

        @Test
        void appliesEveryEventInOrderExactlyOnce() throws Exception {
            // given
            appendDeposits(25);
            ProjectionRunner runner =
                    runnerFor(counting().build()).batchSize(10).build();

            // when
            long reached = runner.catchUp();

            // then
            assertThat(reached).isEqualTo(24L);
            assertThat(readModel.order())
                    .containsExactlyElementsOf(
                            LongStream.rangeClosed(0, 24).boxed().toList());
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
                    .on(
                            AccountEvent.class,
                            (event, envelope, tx) -> tx.stage(() -> calls.add("account:" + envelope.position())))
                    .on(
                            Deposited.class,
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
                    ProjectionRunner.builder(projection, ProjectionStore.inMemory(), oneEvent)
                            .build()
                            .catchUp();

                    if (chosen.get() != specificType) {
                        wrongChoices.add(
                                specificType.getSimpleName() + " over " + generalType.getSimpleName() + " lost to "
                                        + (chosen.get() == null
                                                ? "nothing"
                                                : chosen.get().getSimpleName()));
                    }
                }
            }

            // then
            assertThat(wrongChoices)
                    .as("pairs of supertype handlers where the other handler was chosen")
                    .isEmpty();
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
            assertThat(results)
                    .containsExactly(
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
}
