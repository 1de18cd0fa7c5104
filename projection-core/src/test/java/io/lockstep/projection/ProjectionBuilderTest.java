package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import io.lockstep.projection.TestEvents.Deposited;
import io.lockstep.projection.TestEvents.Withdrawn;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ProjectionBuilderTest {

    private static final EventHandler<Object, InMemoryTransaction> NOTHING = (event, envelope, tx) -> {};

    @Nested
    class ProjectionDefinition {

        @Test
        void buildsWithDefaults() {
            // given
            Projection.Builder<InMemoryTransaction> builder =
                    Projection.<InMemoryTransaction>builder("balances").on(Deposited.class, NOTHING);

            // when
            Projection<InMemoryTransaction> projection = builder.build();

            // then
            assertThat(projection.name()).isEqualTo("balances");
            assertThat(projection.version())
                    .isEqualTo(Projection.DEFAULT_VERSION)
                    .isEqualTo(1);
            assertThat(projection.failurePolicy()).isEqualTo(FailurePolicy.stop());
        }

        @Test
        void keepsTheGivenVersionAndFailurePolicy() {
            // given
            Projection.Builder<InMemoryTransaction> builder = Projection.<InMemoryTransaction>builder("balances")
                    .version(4)
                    .failurePolicy(FailurePolicy.skip())
                    .on(Deposited.class, NOTHING);

            // when
            Projection<InMemoryTransaction> projection = builder.build();

            // then
            assertThat(projection.version()).isEqualTo(4);
            assertThat(projection.failurePolicy()).isInstanceOf(FailurePolicy.Skip.class);
        }

        @Test
        void refusesANameLongerThanTheCheckpointKeyLimitNamingIt() {
            // when / then
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> Projection.builder("n".repeat(CheckpointKey.MAX_LENGTH + 1)))
                    .withMessageContaining("name")
                    .withMessageContaining("limit is " + CheckpointKey.MAX_LENGTH);
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> Projection.builder("a\0b"))
                    .withMessageContaining("U+0000");
            assertThat(Projection.<InMemoryTransaction>builder("n".repeat(CheckpointKey.MAX_LENGTH))
                            .on(Deposited.class, NOTHING)
                            .build()
                            .name())
                    .hasSize(CheckpointKey.MAX_LENGTH);
        }

        @Test
        void refusesASideBySideProjectionWhoseBuildCheckpointWouldPassTheLimit() {
            // given: the build's checkpoint is the name followed by "@v12" (4 characters)
            RebuildStrategy.VersionedTables<InMemoryTransaction> tables = new RebuildStrategy.VersionedTables<>() {
                @Override
                public void create(InMemoryTransaction tx, int version) {}

                @Override
                public void promote(InMemoryTransaction tx, int fromVersion, int toVersion) {}
            };
            String fits = "n".repeat(CheckpointKey.MAX_LENGTH - 4);

            // when / then
            assertThat(Projection.<InMemoryTransaction>builder(fits)
                            .version(12)
                            .on(Deposited.class, NOTHING)
                            .onReset(tx -> {})
                            .rebuild(RebuildStrategy.sideBySide(tables))
                            .build()
                            .name())
                    .isEqualTo(fits);
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> Projection.<InMemoryTransaction>builder(fits + "n")
                            .version(12)
                            .on(Deposited.class, NOTHING)
                            .onReset(tx -> {})
                            .rebuild(RebuildStrategy.sideBySide(tables))
                            .build())
                    .withMessageContaining("@v12")
                    .withMessageContaining("at most " + (CheckpointKey.MAX_LENGTH - 4));
        }

        @Test
        void rejectsASecondHandlerForTheSameType() {
            // given
            Projection.Builder<InMemoryTransaction> builder =
                    Projection.<InMemoryTransaction>builder("balances").on(Deposited.class, NOTHING);

            // when / then
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> builder.on(Deposited.class, NOTHING))
                    .withMessageContaining("balances")
                    .withMessageContaining(Deposited.class.getName());
        }

        @Test
        void dispatchesEachEventToTheHandlerOfItsType() throws Exception {
            // given
            List<String> calls = new ArrayList<>();
            Projection<InMemoryTransaction> projection = Projection.<InMemoryTransaction>builder("balances")
                    .on(Deposited.class, (event, envelope, tx) -> calls.add("deposited " + event.amount()))
                    .on(Withdrawn.class, (event, envelope, tx) -> calls.add("withdrawn " + event.amount()))
                    .build();
            InMemoryEventSource source = new InMemoryEventSource();
            source.append("acc-1", new Deposited("acc-1", 5));
            source.append("acc-1", new Withdrawn("acc-1", 3));
            source.append("acc-1", new Deposited("acc-1", 7));

            // when
            projection.apply(source.read(-1, 10), new InMemoryTransaction());

            // then
            assertThat(calls).containsExactly("deposited 5", "withdrawn 3", "deposited 7");
            assertThat(projection.handlesBatches()).isFalse();
        }

        @Test
        void rejectsAProjectionWithoutHandlers() {
            // given
            Projection.Builder<InMemoryTransaction> builder = Projection.builder("balances");

            // when / then
            assertThatIllegalStateException()
                    .isThrownBy(builder::build)
                    .withMessageContaining("balances")
                    .withMessageContaining("handles no event");
        }

        @Test
        void rejectsBothABatchHandlerAndTypedHandlers() {
            // given
            Projection.Builder<InMemoryTransaction> builder = Projection.<InMemoryTransaction>builder("balances")
                    .on(Deposited.class, NOTHING)
                    .onBatch((batch, tx) -> {});

            // when / then
            assertThatIllegalStateException()
                    .isThrownBy(builder::build)
                    .withMessageContaining("batch handler")
                    .withMessageContaining("Deposited");
        }

        @Test
        void buildsWithABatchHandlerAlone() {
            // given
            Projection.Builder<InMemoryTransaction> builder =
                    Projection.<InMemoryTransaction>builder("balances").onBatch((batch, tx) -> {});

            // when
            Projection<InMemoryTransaction> projection = builder.build();

            // then
            assertThat(projection.handlesBatches()).isTrue();
        }

        @Test
        void rejectsVersionZero() {
            // given
            Projection.Builder<InMemoryTransaction> builder = Projection.builder("balances");

            // when / then
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> builder.version(0))
                    .withMessageContaining("version 0")
                    .withMessageContaining("default 1");
        }

        @Test
        void rejectsANegativeVersion() {
            // given
            Projection.Builder<InMemoryTransaction> builder = Projection.builder("balances");

            // when / then
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> builder.version(-3))
                    .withMessageContaining("-3");
        }

        @Test
        void rejectsANullOrBlankName() {
            // given no builder

            // when / then
            assertThatNullPointerException()
                    .isThrownBy(() -> Projection.builder(null))
                    .withMessage("name");
            assertThatIllegalArgumentException().isThrownBy(() -> Projection.builder(" "));
        }

        @Test
        void rejectsNullHandlersAndTypes() {
            // given
            Projection.Builder<InMemoryTransaction> builder = Projection.builder("balances");

            // when / then
            assertThatNullPointerException()
                    .isThrownBy(() -> builder.on(null, NOTHING))
                    .withMessage("eventType");
            assertThatNullPointerException()
                    .isThrownBy(() -> builder.on(Deposited.class, null))
                    .withMessage("handler");
            assertThatNullPointerException()
                    .isThrownBy(() -> builder.onBatch(null))
                    .withMessage("handler");
            assertThatNullPointerException()
                    .isThrownBy(() -> builder.failurePolicy(null))
                    .withMessage("policy");
        }
    }

    @Nested
    class RunnerConfiguration {

        private final Projection<InMemoryTransaction> projection = Projection.<InMemoryTransaction>builder("balances")
                .on(Deposited.class, NOTHING)
                .build();
        private final ProjectionRunner.Builder<InMemoryTransaction> builder =
                ProjectionRunner.builder(projection, ProjectionStore.inMemory(), new InMemoryEventSource());

        @Test
        void refusesATenantIdOverTheLimitOrHoldingANulNamingTheLimit() {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> builder.tenant("t".repeat(CheckpointKey.MAX_LENGTH + 1)))
                    .withMessageContaining("tenantId")
                    .withMessageContaining("limit is " + CheckpointKey.MAX_LENGTH);
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> builder.tenant("ac\0me"))
                    .withMessageContaining("tenantId")
                    .withMessageContaining("U+0000");
            assertThat(builder.tenant("t".repeat(CheckpointKey.MAX_LENGTH))
                            .build()
                            .key()
                            .tenantId())
                    .hasSize(CheckpointKey.MAX_LENGTH);
        }

        @Test
        void rejectsBatchSizeZeroNamingTheValueAndTheDefault() {
            // given a runner builder

            // when / then
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> builder.batchSize(0))
                    .withMessageContaining("batchSize 0")
                    .withMessageContaining("1..10000")
                    .withMessageContaining("default " + ProjectionRunner.DEFAULT_BATCH_SIZE);
        }

        @Test
        void rejectsABatchSizeAboveTheMaximumNamingTheValueAndTheDefault() {
            // given a runner builder

            // when / then
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> builder.batchSize(10_001))
                    .withMessageContaining("batchSize 10001")
                    .withMessageContaining("default " + ProjectionRunner.DEFAULT_BATCH_SIZE);
        }

        @Test
        void acceptsTheBatchSizeBounds() {
            // given a runner builder

            // when
            ProjectionRunner smallest = builder.batchSize(1).build();
            ProjectionRunner largest =
                    builder.batchSize(ProjectionRunner.MAX_BATCH_SIZE).build();

            // then
            assertThat(smallest.key()).isEqualTo(CheckpointKey.of("balances"));
            assertThat(largest.key()).isEqualTo(CheckpointKey.of("balances"));
        }

        @Test
        void rejectsAnIdleWaitOutsideOneMillisecondToOneMinute() {
            // given a runner builder

            // when / then
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> builder.idleWait(Duration.ZERO))
                    .withMessageContaining("idleWait");
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> builder.idleWait(Duration.ofMinutes(2)))
                    .withMessageContaining("default");
            assertThatNullPointerException()
                    .isThrownBy(() -> builder.idleWait(null))
                    .withMessage("idleWait");
        }

        @Test
        void rejectsAHeadRefreshOutOfRangeNamingTheRangeAndTheDefault() {
            // given a runner builder

            // when / then
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> builder.headRefresh(Duration.ofMillis(1)))
                    .withMessage("headRefresh PT0.001S makes no sense; use 10ms..1m (default PT2S)");
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> builder.headRefresh(Duration.ofMinutes(5)))
                    .withMessageContaining("headRefresh PT5M");
            assertThatNullPointerException()
                    .isThrownBy(() -> builder.headRefresh(null))
                    .withMessage("headRefresh");
        }

        @Test
        void rejectsAnIdleWaitOfForeverWithAnIllegalArgumentException() {
            // given a runner builder

            // when / then
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> builder.idleWait(ChronoUnit.FOREVER.getDuration()))
                    .withMessageContaining("idleWait");
        }

        @Test
        void rejectsABlankTenant() {
            // given a runner builder

            // when / then
            assertThatIllegalArgumentException().isThrownBy(() -> builder.tenant(""));
            assertThatNullPointerException()
                    .isThrownBy(() -> builder.tenant(null))
                    .withMessage("tenantId");
        }

        @Test
        void rejectsMissingCollaborators() {
            // given
            InMemoryProjectionStore store = ProjectionStore.inMemory();
            InMemoryEventSource source = new InMemoryEventSource();

            // when / then
            assertThatNullPointerException()
                    .isThrownBy(() -> ProjectionRunner.builder(null, store, source))
                    .withMessage("projection");
            assertThatNullPointerException()
                    .isThrownBy(() -> ProjectionRunner.builder(projection, null, source))
                    .withMessage("store");
            assertThatNullPointerException()
                    .isThrownBy(() -> ProjectionRunner.builder(projection, store, null))
                    .withMessage("source");
        }

        @Test
        void aRunnerKeepsWhatItWasBuiltWithWhenTheBuilderChangesAfterwards() {
            // given: a runner built with batches of 5 and a tenant
            InMemoryEventSource source = new InMemoryEventSource();
            for (int i = 0; i < 12; i++) {
                source.append("account-1", new Deposited("account-1", 1));
            }
            ProjectionRunner.Builder<InMemoryTransaction> configured = ProjectionRunner.builder(
                            projection, ProjectionStore.inMemory(), source)
                    .batchSize(5)
                    .tenant("a");
            ProjectionRunner runner = configured.build();

            // when: the builder is changed after build()
            configured.batchSize(1).tenant("b").checkpointName("other");

            // then: the runner still reads batches of 5 under its own checkpoint
            assertThat(runner.step()).isEqualTo(new StepResult.Committed(-1, 4, 5));
            assertThat(runner.key()).isEqualTo(new CheckpointKey("a", "balances"));
        }

        @Test
        void startsAFreshRunnerInStateStartingWithoutCheckpoint() {
            // given
            ProjectionRunner runner = builder.tenant("acme").build();

            // when
            ProjectionStatus status = runner.status();

            // then
            assertThat(status.name()).isEqualTo("balances");
            assertThat(status.tenantId()).isEqualTo("acme");
            assertThat(status.version()).isEqualTo(1);
            assertThat(status.state()).isEqualTo(ProjectionState.STARTING);
            assertThat(status.checkpoint()).isEqualTo(-1L);
            assertThat(status.eventsProcessed()).isZero();
            assertThat(status.lastError()).isEmpty();
            assertThat(runner.key()).isEqualTo(new CheckpointKey("acme", "balances"));
        }
    }

    @Nested
    class RetryPolicyValidation {

        @Test
        void rejectsZeroAttempts() {
            // given no policy

            // when / then
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO))
                    .withMessageContaining("maxAttempts 0")
                    .withMessageContaining("default 3");
        }

        @Test
        void rejectsMoreThanAHundredAttempts() {
            // given no policy

            // when / then
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> new RetryPolicy(101, Duration.ZERO, Duration.ZERO))
                    .withMessageContaining("101");
        }

        @Test
        void rejectsANegativeInitialBackoff() {
            // given no policy

            // when / then
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> new RetryPolicy(3, Duration.ofMillis(-1), Duration.ofSeconds(1)))
                    .withMessageContaining("initialBackoff");
        }

        @Test
        void rejectsANegativeMaxBackoff() {
            // given no policy

            // when / then
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> new RetryPolicy(3, Duration.ZERO, Duration.ofMillis(-1)))
                    .withMessageContaining("maxBackoff");
        }

        @Test
        void rejectsAnInitialBackoffAboveTheMaximum() {
            // given no policy

            // when / then
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> new RetryPolicy(3, Duration.ofSeconds(2), Duration.ofSeconds(1)))
                    .withMessageContaining("initialBackoff PT2S");
        }

        @Test
        void rejectsAMaxBackoffAboveTenMinutes() {
            // given no policy

            // when / then
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> new RetryPolicy(3, Duration.ZERO, Duration.ofMinutes(11)))
                    .withMessageContaining("maxBackoff PT11M");
        }

        @Test
        void rejectsNullBackoffs() {
            // given no policy

            // when / then
            assertThatNullPointerException()
                    .isThrownBy(() -> new RetryPolicy(3, null, Duration.ZERO))
                    .withMessage("initialBackoff");
            assertThatNullPointerException()
                    .isThrownBy(() -> new RetryPolicy(3, Duration.ZERO, null))
                    .withMessage("maxBackoff");
        }

        @Test
        void defaultsAreThreeAttemptsFromOneHundredMillisecondsToTenSeconds() {
            // given / when
            RetryPolicy defaults = RetryPolicy.defaults();

            // then
            assertThat(defaults.maxAttempts()).isEqualTo(3);
            assertThat(defaults.initialBackoff()).isEqualTo(Duration.ofMillis(100));
            assertThat(defaults.maxBackoff()).isEqualTo(Duration.ofSeconds(10));
        }

        @Test
        void doublesTheBackoffAfterEachFailureUpToTheMaximum() {
            // given
            RetryPolicy policy = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofMillis(1000));

            // when / then
            assertThat(policy.backoff(1)).isEqualTo(Duration.ofMillis(100));
            assertThat(policy.backoff(2)).isEqualTo(Duration.ofMillis(200));
            assertThat(policy.backoff(3)).isEqualTo(Duration.ofMillis(400));
            assertThat(policy.backoff(4)).isEqualTo(Duration.ofMillis(800));
            assertThat(policy.backoff(5)).isEqualTo(Duration.ofMillis(1000));
            assertThat(policy.backoff(6)).isEqualTo(Duration.ofMillis(1000));
        }

        @Test
        void capsTheBackoffWithoutOverflowAfterManyFailures() {
            // given
            RetryPolicy policy = new RetryPolicy(100, Duration.ofSeconds(1), Duration.ofMinutes(10));

            // when / then
            assertThat(policy.backoff(64)).isEqualTo(Duration.ofMinutes(10));
            assertThat(policy.backoff(Integer.MAX_VALUE)).isEqualTo(Duration.ofMinutes(10));
        }

        @Test
        void zeroBackoffStaysZero() {
            // given
            RetryPolicy policy = new RetryPolicy(3, Duration.ZERO, Duration.ZERO);

            // when / then
            assertThat(policy.backoff(1)).isZero();
            assertThat(policy.backoff(50)).isZero();
        }
    }
}
