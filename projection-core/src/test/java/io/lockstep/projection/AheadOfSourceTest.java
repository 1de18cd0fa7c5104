package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** A checkpoint ahead of what the event source holds: the log was restored from an older backup. */
class AheadOfSourceTest {

    private final InMemoryProjectionStore store = ProjectionStore.inMemory();
    private final CountingReadModel model = new CountingReadModel();
    private final SwitchableSource source = new SwitchableSource(log("a", 100));

    private Projection<InMemoryTransaction> projection() {
        return Projection.<InMemoryTransaction>builder("balances")
                .on(TestEvents.Deposited.class, (event, envelope, tx) -> model.stage(envelope, tx))
                .onReset(tx -> {})
                .build();
    }

    private ProjectionRunner runner(AheadOfSourcePolicy policy) {
        return ProjectionRunner.builder(projection(), store, source)
                .batchSize(30)
                .whenAheadOfSource(policy)
                .build();
    }

    private static InMemoryEventSource log(String streamPrefix, int events) {
        InMemoryEventSource log = new InMemoryEventSource();
        for (int i = 0; i < events; i++) {
            log.append(streamPrefix + (i % 7), new TestEvents.Deposited(streamPrefix + (i % 7), 1));
        }
        return log;
    }

    @Nested
    class AtStart {

        @Test
        void stopsNamingTheCheckpointAndTheHead() throws Exception {
            // given: the read model reached 99, then the log was restored to 40 events
            runner(AheadOfSourcePolicy.stop()).catchUp();
            source.current = log("b", 40);

            // when: a runner starts
            ProjectionRunner restarted = runner(AheadOfSourcePolicy.stop());
            StepResult result = restarted.step();

            // then
            assertThat(result).isInstanceOf(StepResult.Failed.class);
            assertThat(restarted.status().state()).isEqualTo(ProjectionState.FAILED);
            assertThat(((StepResult.Failed) result).error().message())
                    .contains("checkpoint of 'balances' is at position 99")
                    .contains("head is at 39")
                    .contains("replay");
            assertThat(store.checkpoints().getCheckpoint("balances")).isEqualTo(99);
        }

        @Test
        void theReplayItsErrorNamesRebuildsFromTheLogAsItNowIs() throws Exception {
            // given: stopped because the log was restored to 40 events
            runner(AheadOfSourcePolicy.stop()).catchUp();
            source.current = log("b", 40);
            ProjectionRunner restarted = runner(AheadOfSourcePolicy.stop());
            assertThat(restarted.step())
                    .isInstanceOfSatisfying(
                            StepResult.Failed.class,
                            failed -> assertThat(failed.error().message()).contains("replay it to rebuild"));
            int before = model.size();

            // when: the operator replays, as the error says
            restarted.replay();
            long reached = restarted.catchUp();

            // then: every event of the restored log applied once more, and the projection out of FAILED
            assertThat(reached).isEqualTo(39);
            assertThat(model.size() - before).isEqualTo(40);
            assertThat(restarted.status().state()).isEqualTo(ProjectionState.LIVE);
            assertThat(restarted.status().lastError()).isEmpty();
        }

        @Test
        void rebuildsFromMinusOneWhenConfigured() throws Exception {
            // given
            runner(AheadOfSourcePolicy.stop()).catchUp();
            source.current = log("b", 40);

            // when
            long reached = runner(AheadOfSourcePolicy.rebuild()).catchUp();

            // then: 100 effects of the old log, then the 40 of the restored one
            assertThat(reached).isEqualTo(39);
            assertThat(model.size()).isEqualTo(140);
        }

        @Test
        void aRebuildNeedsAResetHandlerAndSaysSoAtBuildTime() {
            Projection<InMemoryTransaction> noReset = Projection.<InMemoryTransaction>builder("x")
                    .on(TestEvents.Deposited.class, (event, envelope, tx) -> {})
                    .build();

            assertThatIllegalStateException()
                    .isThrownBy(() -> ProjectionRunner.builder(noReset, store, source)
                            .whenAheadOfSource(AheadOfSourcePolicy.rebuild())
                            .build())
                    .withMessageContaining("onReset");
        }
    }

    @Nested
    class WhileRunning {

        @Test
        void noticesALogThatWasRestoredAndGrewPastTheCheckpointAgain() throws Exception {
            // given: a runner at 99
            ProjectionRunner runner = runner(AheadOfSourcePolicy.stop());
            runner.catchUp();

            // when: the log is restored to 40 events and 120 new ones are appended before the runner looks
            InMemoryEventSource restored = log("b", 160);
            source.current = restored;
            StepResult result = runner.step();

            // then: it does not read on after 99 (which would skip 40..99 of the new events)
            assertThat(result).isInstanceOf(StepResult.Failed.class);
            assertThat(((StepResult.Failed) result).error().message())
                    .contains("checkpoint 99")
                    .contains("restored from an older backup");
            assertThat(model.size()).isEqualTo(100);
        }

        @Test
        void noticesAHeadThatFellBehindTheCheckpoint() throws Exception {
            // given
            ProjectionRunner runner = runner(AheadOfSourcePolicy.stop());
            runner.catchUp();

            // when
            source.current = log("b", 40);

            // then
            assertThat(runner.step()).isInstanceOf(StepResult.Failed.class);
            assertThat(runner.status().lastError().orElseThrow().message()).contains("head is at 39");
        }

        @Test
        void rebuildsFromTheRestoredLogWhenConfigured() throws Exception {
            // given
            ProjectionRunner runner = runner(AheadOfSourcePolicy.rebuild());
            runner.catchUp();

            // when
            source.current = log("b", 160);
            long reached = runner.catchUp();

            // then: each event of the new log applied once after the rebuild
            assertThat(reached).isEqualTo(159);
            assertThat(model.size()).isEqualTo(260);
            assertThat(model.order().subList(100, 260))
                    .isEqualTo(java.util.stream.LongStream.range(0, 160).boxed().toList());
        }

        @Test
        void aHealthyLogIsReadOnWithoutComplaint() throws Exception {
            // given
            ProjectionRunner runner = runner(AheadOfSourcePolicy.stop());
            runner.catchUp();

            // when: the same log grows
            source.current.append("a1", new TestEvents.Deposited("a1", 1));

            // then
            assertThat(runner.catchUp()).isEqualTo(100);
            assertThat(model.applications())
                    .hasSize(101)
                    .allSatisfy((position, times) -> assertThat(times).isOne());
        }
    }

    @Nested
    class AfterARestart {

        /** A store that records the last event of each batch with its checkpoint, as a real store would. */
        private final MapProjectionStore recording = new MapProjectionStore();

        private ProjectionRunner runnerOn(ProjectionStore<InMemoryTransaction> on, AheadOfSourcePolicy policy) {
            return ProjectionRunner.builder(projection(), on, source)
                    .batchSize(30)
                    .whenAheadOfSource(policy)
                    .build();
        }

        /** The first 40 events of the log, then 120 others on streams the log never had. */
        private InMemoryEventSource restoredAndGrown() {
            InMemoryEventSource restored = new InMemoryEventSource();
            source.current.read(-1, 40).forEach(envelope -> restored.append(envelope.streamId(), envelope.event()));
            InMemoryEventSource grown = log("b", 120);
            grown.read(-1, 120).forEach(envelope -> restored.append(envelope.streamId(), envelope.event()));
            return restored;
        }

        @Test
        void aStoreThatRecordsTheLastEventLetsARunnerStartingOnARestoredAndGrownLogStop() throws Exception {
            // given: the read model reached 99 on a store that records the event there
            runnerOn(recording, AheadOfSourcePolicy.stop()).catchUp();
            Envelope committed = source.current.read(98, 1).getFirst();
            assertThat(recording.readCheckpoint(CheckpointKey.of("balances")).lastEvent())
                    .isEqualTo(EventIdentity.of(committed));

            // when: the log is restored to 40 events and grows to 160 before a new runner starts
            source.current = restoredAndGrown();
            ProjectionRunner restarted = runnerOn(recording, AheadOfSourcePolicy.stop());
            StepResult result = restarted.step();

            // then: it does not read on after 99 (which would skip 40..99 of the new events)
            assertThat(result).isInstanceOf(StepResult.Failed.class);
            assertThat(((StepResult.Failed) result).error().message())
                    .contains("is now " + source.current.read(98, 1).getFirst().describe())
                    .contains("committed after " + committed.describe());
            assertThat(model.size()).isEqualTo(100);
        }

        @Test
        void aStoreThatRecordsNothingCannotTellAndReadsOn() throws Exception {
            // given: the same, on the in-memory store, which records no last event
            runnerOn(store, AheadOfSourcePolicy.stop()).catchUp();
            source.current = restoredAndGrown();

            // when
            long reached = runnerOn(store, AheadOfSourcePolicy.stop()).catchUp();

            // then: the limit this check lifts: 40..99 of the new log are skipped
            assertThat(reached).isEqualTo(159);
            assertThat(model.size()).isEqualTo(160);
        }
    }

    /** A source whose log a test can swap, as a restore from a backup would. */
    static final class SwitchableSource implements EventSource {
        volatile InMemoryEventSource current;

        SwitchableSource(InMemoryEventSource initial) {
            this.current = initial;
        }

        @Override
        public List<Envelope> read(long afterPosition, int maxEvents) {
            return current.read(afterPosition, maxEvents);
        }

        @Override
        public long headPosition() {
            return current.headPosition();
        }

        @Override
        public boolean awaitEvents(long afterPosition, Duration timeout) throws InterruptedException {
            return current.awaitEvents(afterPosition, timeout);
        }
    }
}
