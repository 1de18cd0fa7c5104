package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link CheckpointStore}, for every implementation: extend it and implement
 * {@link #newStore()}. Each test gets a fresh, empty store.
 *
 * <p>Public so that the stores of other modules (PostgreSQL) can run it from their own packages.
 */
public abstract class CheckpointStoreContract {

    /** A projection name no test stores anything under. */
    protected static final String UNKNOWN = "never-stored";

    private static final Duration ASYNC_TIMEOUT = Duration.ofSeconds(10);

    /** The store under test, fresh for each test. */
    protected CheckpointStore store;

    /** @return a new store that holds no checkpoint yet */
    protected abstract CheckpointStore newStore();

    @BeforeEach
    void createStore() {
        store = newStore();
    }

    @Nested
    class Reading {

        @Test
        void returnsMinusOneForAProjectionWithoutCheckpoint() {
            // given an empty store

            // when
            long position = store.getCheckpoint(UNKNOWN);

            // then
            assertThat(position).isEqualTo(-1L);
        }

        @Test
        void returnsWhatWasStored() {
            // given
            store.storeCheckpoint("balances", 42);

            // when
            long position = store.getCheckpoint("balances");

            // then
            assertThat(position).isEqualTo(42L);
        }

        @Test
        void keepsTheCheckpointsOfDifferentProjectionsApart() {
            // given
            store.storeCheckpoint("balances", 7);
            store.storeCheckpoint("statements", 3);

            // when / then
            assertThat(store.getCheckpoint("balances")).isEqualTo(7L);
            assertThat(store.getCheckpoint("statements")).isEqualTo(3L);
            assertThat(store.getCheckpoint(UNKNOWN)).isEqualTo(-1L);
        }
    }

    @Nested
    class Storing {

        @Test
        void movesTheCheckpointForward() {
            // given
            store.storeCheckpoint("balances", 5);

            // when
            store.storeCheckpoint("balances", 9);

            // then
            assertThat(store.getCheckpoint("balances")).isEqualTo(9L);
        }

        @Test
        void acceptsMinusOneForAProjectionWithoutCheckpoint() {
            // given an empty store

            // when
            store.storeCheckpoint("balances", -1);

            // then
            assertThat(store.getCheckpoint("balances")).isEqualTo(-1L);
        }

        @Test
        void treatsStoringTheSamePositionAsANoOp() {
            // given
            store.storeCheckpoint("balances", 5);

            // when
            store.storeCheckpoint("balances", 5);

            // then
            assertThat(store.getCheckpoint("balances")).isEqualTo(5L);
        }

        @Test
        void refusesToMoveTheCheckpointBackward() {
            // given
            store.storeCheckpoint("balances", 10);

            // when / then
            assertThatThrownBy(() -> store.storeCheckpoint("balances", 4))
                    .isInstanceOfSatisfying(CheckpointConflictException.class, conflict -> {
                        assertThat(conflict.key().projection()).isEqualTo("balances");
                        assertThat(conflict.actual()).isEqualTo(10L);
                    })
                    .hasMessageContaining("10")
                    .hasMessageContaining("4");
            assertThat(store.getCheckpoint("balances")).isEqualTo(10L);
        }

        @Test
        void concurrentStoresEndAtTheHighestAndRefuseOnlyPositionsAlreadyPassed() throws Exception {
            // given: writers storing interleaved rising positions of one projection at once
            int writers = 6;
            long last = 119;
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            try {
                for (int writer = 0; writer < writers; writer++) {
                    long first = writer;
                    done.add(pool.submit(() -> {
                        start.await();
                        for (long position = first; position <= last; position += writers) {
                            try {
                                store.storeCheckpoint("balances", position);
                            } catch (CheckpointConflictException refused) {
                                // then: a refusal only ever means another writer already stored more
                                assertThat(refused.actual())
                                        .as(refused.getMessage())
                                        .isGreaterThan(position);
                            }
                        }
                        return null;
                    }));
                }
                // when
                start.countDown();
                for (Future<?> writer : done) {
                    writer.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            // then
            assertThat(store.getCheckpoint("balances")).isEqualTo(last);
        }

        @Test
        void conflictIsALockstepException() {
            // given
            store.storeCheckpoint("balances", 10);

            // when / then
            assertThatThrownBy(() -> store.storeCheckpoint("balances", -1)).isInstanceOf(LockstepException.class);
            assertThat(store.getCheckpoint("balances")).isEqualTo(10L);
        }
    }

    @Nested
    class Resetting {

        @Test
        void movesTheCheckpointBackward() {
            // given
            store.storeCheckpoint("balances", 10);

            // when
            store.resetCheckpoint("balances", 3);

            // then
            assertThat(store.getCheckpoint("balances")).isEqualTo(3L);
        }

        @Test
        void letsStoreMoveForwardFromTheResetPosition() {
            // given
            store.storeCheckpoint("balances", 10);
            store.resetCheckpoint("balances", 3);

            // when
            store.storeCheckpoint("balances", 4);

            // then
            assertThat(store.getCheckpoint("balances")).isEqualTo(4L);
        }

        @Test
        void toMinusOneReplaysEverything() {
            // given
            store.storeCheckpoint("balances", 10);

            // when
            store.resetCheckpoint("balances", -1);

            // then
            assertThat(store.getCheckpoint("balances")).isEqualTo(-1L);
        }

        @Test
        void createsAMissingCheckpoint() {
            // given an empty store

            // when
            store.resetCheckpoint("balances", 8);

            // then
            assertThat(store.getCheckpoint("balances")).isEqualTo(8L);
        }
    }

    @Nested
    class BadInput {

        @Test
        void nullNameIsANullPointerExceptionNamingTheParameter() {
            // given an empty store

            // when / then
            assertThatNullPointerException()
                    .isThrownBy(() -> store.getCheckpoint(null))
                    .withMessage("projectionName");
            assertThatNullPointerException()
                    .isThrownBy(() -> store.storeCheckpoint(null, 1))
                    .withMessage("projectionName");
            assertThatNullPointerException()
                    .isThrownBy(() -> store.resetCheckpoint(null, 1))
                    .withMessage("projectionName");
        }

        @Test
        void emptyNameIsAnIllegalArgumentException() {
            // given an empty store

            // when / then
            assertThatThrownBy(() -> store.getCheckpoint("")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.storeCheckpoint("", 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.resetCheckpoint("", 1)).isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void blankNameIsAnIllegalArgumentException() {
            // given an empty store

            // when / then
            assertThatThrownBy(() -> store.getCheckpoint(" \t "))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("projectionName");
            assertThatThrownBy(() -> store.storeCheckpoint("   ", 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.resetCheckpoint("\n", 1)).isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void positionBelowMinusOneIsAnIllegalArgumentExceptionStatingTheBound() {
            // given
            store.storeCheckpoint("balances", 5);

            // when / then
            assertThatThrownBy(() -> store.storeCheckpoint("balances", -2))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-2")
                    .hasMessageContaining(">= -1");
            assertThatThrownBy(() -> store.resetCheckpoint("balances", -2))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(">= -1");
            assertThatThrownBy(() -> store.storeCheckpoint("balances", Long.MIN_VALUE))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(">= -1");
        }

        @Test
        void badPositionChangesNothing() {
            // given
            store.storeCheckpoint("balances", 5);

            // when
            Throwable thrown = catchThrowable(() -> store.resetCheckpoint("balances", -2));

            // then
            assertThat(thrown).isInstanceOf(IllegalArgumentException.class);
            assertThat(store.getCheckpoint("balances")).isEqualTo(5L);
        }

        @Test
        void badPositionForAnUnknownProjectionCreatesNothing() {
            // given an empty store

            // when
            Throwable thrown = catchThrowable(() -> store.storeCheckpoint("balances", -2));

            // then
            assertThat(thrown).isInstanceOf(IllegalArgumentException.class);
            assertThat(store.getCheckpoint("balances")).isEqualTo(-1L);
        }
    }

    @Nested
    class Asynchronous {

        @Test
        void storesAndReadsACheckpoint() throws Exception {
            // given
            store.storeCheckpointAsync("balances", 12)
                    .toCompletableFuture()
                    .get(ASYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);

            // when
            long position = store.getCheckpointAsync("balances")
                    .toCompletableFuture()
                    .get(ASYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);

            // then
            assertThat(position).isEqualTo(12L);
            assertThat(store.getCheckpoint("balances")).isEqualTo(12L);
        }

        @Test
        void readsMinusOneForAProjectionWithoutCheckpoint() throws Exception {
            // given an empty store

            // when
            long position = store.getCheckpointAsync(UNKNOWN)
                    .toCompletableFuture()
                    .get(ASYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);

            // then
            assertThat(position).isEqualTo(-1L);
        }

        @Test
        void failsTheStageWhenMovingBackward() {
            // given
            store.storeCheckpoint("balances", 10);

            // when
            CompletionStage<Void> stage = store.storeCheckpointAsync("balances", 2);

            // then
            assertThatThrownBy(() -> stage.toCompletableFuture().join())
                    .isInstanceOf(CompletionException.class)
                    .hasCauseInstanceOf(CheckpointConflictException.class);
            assertThat(store.getCheckpoint("balances")).isEqualTo(10L);
        }

        @Test
        void throwsForBadInputBeforeReturningAStage() {
            // given an empty store

            // when / then
            assertThatNullPointerException()
                    .isThrownBy(() -> store.getCheckpointAsync(null))
                    .withMessage("projectionName");
            assertThatNullPointerException()
                    .isThrownBy(() -> store.storeCheckpointAsync(null, 1))
                    .withMessage("projectionName");
            assertThatThrownBy(() -> store.getCheckpointAsync(" ")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.storeCheckpointAsync("", 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.storeCheckpointAsync("balances", -2))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(">= -1");
            assertThat(store.getCheckpoint("balances")).isEqualTo(-1L);
        }
    }

    @Nested
    class Tenants {

        @Test
        void keepsTheSameProjectionNameApartPerTenant() {
            // given
            CheckpointStore tenantA = store.forTenant("a");
            CheckpointStore tenantB = store.forTenant("b");

            // when
            tenantA.storeCheckpoint("balances", 5);
            tenantB.storeCheckpoint("balances", 2);
            store.storeCheckpoint("balances", 9);

            // then
            assertThat(tenantA.getCheckpoint("balances")).isEqualTo(5L);
            assertThat(tenantB.getCheckpoint("balances")).isEqualTo(2L);
            assertThat(store.getCheckpoint("balances")).isEqualTo(9L);
        }

        @Test
        void aTenantCheckpointIsInvisibleToOtherTenantsAndToNoTenant() {
            // given
            store.forTenant("a").storeCheckpoint("balances", 5);

            // when / then
            assertThat(store.forTenant("b").getCheckpoint("balances")).isEqualTo(-1L);
            assertThat(store.getCheckpoint("balances")).isEqualTo(-1L);
        }

        @Test
        void viewsOfTheSameTenantShareTheirCheckpoints() {
            // given
            store.forTenant("a").storeCheckpoint("balances", 5);

            // when
            long position = store.forTenant("a").getCheckpoint("balances");

            // then
            assertThat(position).isEqualTo(5L);
        }

        @Test
        void movingBackwardIsAConflictWithinATenant() {
            // given
            CheckpointStore tenantA = store.forTenant("a");
            tenantA.storeCheckpoint("balances", 5);
            store.forTenant("b").storeCheckpoint("balances", 1);

            // when / then
            assertThatThrownBy(() -> tenantA.storeCheckpoint("balances", 4))
                    .isInstanceOf(CheckpointConflictException.class);
            assertThat(tenantA.getCheckpoint("balances")).isEqualTo(5L);
        }

        @Test
        void resettingOneTenantLeavesTheOthers() {
            // given
            store.forTenant("a").storeCheckpoint("balances", 5);
            store.forTenant("b").storeCheckpoint("balances", 6);
            store.storeCheckpoint("balances", 7);

            // when
            store.forTenant("a").resetCheckpoint("balances", -1);

            // then
            assertThat(store.forTenant("a").getCheckpoint("balances")).isEqualTo(-1L);
            assertThat(store.forTenant("b").getCheckpoint("balances")).isEqualTo(6L);
            assertThat(store.getCheckpoint("balances")).isEqualTo(7L);
        }

        @Test
        void tenantViewsRunTheAsynchronousTwins() throws Exception {
            // given
            CheckpointStore tenantA = store.forTenant("a");

            // when
            tenantA.storeCheckpointAsync("balances", 3)
                    .toCompletableFuture()
                    .get(ASYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);

            // then
            assertThat(tenantA.getCheckpointAsync("balances")
                            .toCompletableFuture()
                            .get(ASYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                    .isEqualTo(3L);
            assertThat(store.getCheckpoint("balances")).isEqualTo(-1L);
        }

        @Test
        void rejectsANullOrBlankTenant() {
            // given a store

            // when / then
            assertThatNullPointerException()
                    .isThrownBy(() -> store.forTenant(null))
                    .withMessage("tenantId");
            assertThatThrownBy(() -> store.forTenant("")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.forTenant("  ")).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class Names {

        @Test
        void keepsANameWithQuotesAndSqlAsOpaqueText() {
            // given
            String name = "it's \"quoted\"'; DROP TABLE checkpoints; -- \\ %_";

            // when
            store.storeCheckpoint(name, 17);

            // then
            assertThat(store.getCheckpoint(name)).isEqualTo(17L);
            assertThat(store.getCheckpoint("it's \"quoted\"")).isEqualTo(-1L);
        }

        @Test
        void keepsANonAsciiName() {
            // given
            String name = "Kontostände-Ωμέγα-日本語-🚀";

            // when
            store.storeCheckpoint(name, 23);

            // then
            assertThat(store.getCheckpoint(name)).isEqualTo(23L);
            assertThat(store.getCheckpoint("Kontostande-Ωμέγα-日本語-🚀")).isEqualTo(-1L);
        }

        @Test
        void keepsNamesAndTenantIdsOfTheLongestAllowedLengthInFourByteCharacters() {
            // given: both parts at the limit, in characters that take 4 bytes of UTF-8 each and do not compress
            String name = incompressible(CheckpointKey.MAX_LENGTH, 0x1F600);
            String almost = name.substring(0, name.length() - 2) + "q";
            CheckpointStore tenant = store.forTenant(incompressible(CheckpointKey.MAX_LENGTH, 0x1F900));

            // when
            store.storeCheckpoint(name, 31);
            store.storeCheckpoint(almost, 2);
            tenant.storeCheckpoint(name, 3);

            // then
            assertThat(store.getCheckpoint(name)).isEqualTo(31L);
            assertThat(store.getCheckpoint(almost)).isEqualTo(2L);
            assertThat(tenant.getCheckpoint(name)).isEqualTo(3L);
        }

        @Test
        void refusesALongerNameOrTenantIdNamingTheLimitAndStoresNothing() {
            // given
            String tooLong = "p".repeat(CheckpointKey.MAX_LENGTH + 1);

            // when / then
            assertThatThrownBy(() -> store.storeCheckpoint(tooLong, 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("projectionName")
                    .hasMessageContaining("256 characters")
                    .hasMessageContaining("limit is " + CheckpointKey.MAX_LENGTH);
            assertThatThrownBy(() -> store.forTenant(tooLong))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("tenantId")
                    .hasMessageContaining("limit is " + CheckpointKey.MAX_LENGTH);
            assertThat(store.getCheckpoint("p".repeat(CheckpointKey.MAX_LENGTH)))
                    .isEqualTo(-1L);
        }

        @Test
        void refusesANulCharacterInANameOrTenantId() {
            // when / then
            assertThatThrownBy(() -> store.storeCheckpoint("bal\0ances", 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("U+0000");
            assertThatThrownBy(() -> store.forTenant("t\0"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("tenantId")
                    .hasMessageContaining("U+0000");
        }

        @Test
        void keepsUnusualTenantIds() {
            // given
            CheckpointStore quoted = store.forTenant("o'brien \"&\" co");
            CheckpointStore unicode = store.forTenant("mandant-ü-中");

            // when
            quoted.storeCheckpoint("balances", 1);
            unicode.storeCheckpoint("balances", 2);

            // then
            assertThat(quoted.getCheckpoint("balances")).isEqualTo(1L);
            assertThat(unicode.getCheckpoint("balances")).isEqualTo(2L);
            assertThat(store.getCheckpoint("balances")).isEqualTo(-1L);
        }
    }

    /** @return {@code length} distinct-looking code points from {@code first} on, in a pseudo-random order */
    private static String incompressible(int length, int first) {
        StringBuilder text = new StringBuilder();
        java.util.Random random = new java.util.Random(length * 31L + first);
        for (int i = 0; i < length; i++) {
            text.appendCodePoint(first + random.nextInt(80));
        }
        return text.toString();
    }
}
