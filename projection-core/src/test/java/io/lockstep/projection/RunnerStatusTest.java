package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.projection.TestEvents.Deposited;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** What a runner reports, and tenants. */
class RunnerStatusTest extends RunnerFixture {

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
            ProjectionRunner runner =
                    runnerFor(counting().build()).tenant("acme").build();

            // when
            runner.catchUp();

            // then
            assertThat(store.checkpoints().forTenant("acme").getCheckpoint(NAME))
                    .isEqualTo(2L);
            assertThat(store.checkpoints().getCheckpoint(NAME)).isEqualTo(-1L);
            assertThat(store.checkpoints().forTenant("globex").getCheckpoint(NAME))
                    .isEqualTo(-1L);
            assertThat(runner.key()).isEqualTo(new CheckpointKey("acme", NAME));
            assertThat(runner.status().tenantId()).isEqualTo("acme");
        }

        @Test
        void resumesFromItsTenantsCheckpoint() throws Exception {
            // given
            appendDeposits(5);
            store.checkpoints().forTenant("acme").storeCheckpoint(NAME, 2);
            store.checkpoints().storeCheckpoint(NAME, 4);
            ProjectionRunner runner =
                    runnerFor(counting().build()).tenant("acme").build();

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
            ProjectionRunner globex =
                    runnerFor(globexProjection).tenant("globex").build();

            // when
            acme.catchUp();
            globex.catchUp();

            // then
            assertThat(readModel.applications()).isEqualTo(onceEach(0, 2));
            assertThat(globexModel.applications()).isEqualTo(onceEach(0, 2));
            assertThat(store.checkpoints().forTenant("acme").getCheckpoint(NAME))
                    .isEqualTo(2L);
            assertThat(store.checkpoints().forTenant("globex").getCheckpoint(NAME))
                    .isEqualTo(2L);
        }

        @Test
        void deadLettersNameTheTenant() throws Exception {
            // given
            appendDepositsWithPoisonAt(3, 1);
            ProjectionRunner runner = runnerFor(countingWithPoison()
                            .failurePolicy(FailurePolicy.skip())
                            .build())
                    .tenant("acme")
                    .build();

            // when
            runner.catchUp();

            // then
            assertThat(store.deadLetters())
                    .singleElement()
                    .satisfies(letter -> assertThat(letter.key()).isEqualTo(new CheckpointKey("acme", NAME)));
        }
    }
}
