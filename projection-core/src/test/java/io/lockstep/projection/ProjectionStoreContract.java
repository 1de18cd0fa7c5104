package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The contract of the {@link ProjectionStore} SPI, for every implementation: extend it and implement
 * {@link #store()}. Each test works on projection names of its own, so one store may serve the whole class.
 * What a runner relies on: a checkpoint moves only inside a committed transaction, by compare-and-set, never
 * backward by accident, never while paused; of two runners advancing from the same position one commits and
 * the other fails; versions and pauses are kept as documented; the users' {@link CheckpointStore} view reads
 * what the runner's side wrote.
 *
 * @param <C> the store's transaction context
 */
public abstract class ProjectionStoreContract<C> {

    /** The projection every test uses, named afresh for each test. */
    protected CheckpointKey key;

    /** @return the store under test; may be shared by all tests of the class */
    protected abstract ProjectionStore<C> store();

    @BeforeEach
    void nameAFreshProjection() {
        key = CheckpointKey.of("contract-" + UUID.randomUUID());
    }

    private void inTransaction(TransactionWork<C, ?> work) {
        store().inTransaction(StatementMode.IMMEDIATE, work);
    }

    private StoredCheckpoint stored() {
        return store().readCheckpoint(key);
    }

    @Nested
    class Reading {

        @Test
        void aProjectionThatNeverRanReadsNone() {
            assertThat(stored()).isEqualTo(StoredCheckpoint.NONE);
            assertThat(store().checkpoints().getCheckpoint(key.projection())).isEqualTo(-1);
        }

        @Test
        void theUsersCheckpointViewReadsWhatABatchCommitted() {
            // when
            inTransaction(tx -> {
                store().advanceCheckpoint(tx, key, -1, 41);
                return null;
            });
            // then
            assertThat(stored().position()).isEqualTo(41);
            assertThat(store().checkpoints().getCheckpoint(key.projection())).isEqualTo(41);
        }

        @Test
        void tenantsKeepCheckpointsApart() {
            // given
            CheckpointKey tenantKey = new CheckpointKey("tenant-a", key.projection());
            // when
            inTransaction(tx -> {
                store().advanceCheckpoint(tx, tenantKey, -1, 7);
                return null;
            });
            // then
            assertThat(store().readCheckpoint(tenantKey).position()).isEqualTo(7);
            assertThat(stored().position()).isEqualTo(-1);
            assertThat(store().checkpoints().forTenant("tenant-a").getCheckpoint(key.projection()))
                    .isEqualTo(7);
        }
    }

    @Nested
    class Advancing {

        @Test
        void aTransactionReturnsWhatItsWorkReturns() {
            String result = store().inTransaction(StatementMode.IMMEDIATE, tx -> "result");
            assertThat(result).isEqualTo("result");
        }

        @Test
        void aTransactionThatThrowsLeavesTheCheckpointWhereItWas() {
            // given
            IllegalStateException failure = new IllegalStateException("handler failed");
            // when
            assertThatThrownBy(() -> inTransaction(tx -> {
                        store().advanceCheckpoint(tx, key, -1, 10);
                        throw failure;
                    }))
                    .isSameAs(failure);
            // then
            assertThat(stored().position()).isEqualTo(-1);
        }

        @Test
        void aStaleExpectedPositionConflictsAndChangesNothing() {
            // given
            inTransaction(tx -> {
                store().advanceCheckpoint(tx, key, -1, 5);
                return null;
            });
            // when
            assertThatThrownBy(() -> inTransaction(tx -> {
                        store().advanceCheckpoint(tx, key, 3, 9);
                        return null;
                    }))
                    .isInstanceOfSatisfying(CheckpointConflictException.class, conflict -> {
                        assertThat(conflict.expected()).isEqualTo(3);
                        assertThat(conflict.actual()).isEqualTo(5);
                    });
            // then
            assertThat(stored().position()).isEqualTo(5);
        }

        @Test
        void aCheckpointNeverAdvancesToItselfOrBackward() {
            inTransaction(tx -> {
                assertThatIllegalArgumentException().isThrownBy(() -> store().advanceCheckpoint(tx, key, 4, 4));
                assertThatIllegalArgumentException().isThrownBy(() -> store().advanceCheckpoint(tx, key, 4, 2));
                return null;
            });
            assertThat(stored().position()).isEqualTo(-1);
        }

        @Test
        void ofTwoRunnersAdvancingFromTheSamePositionOnlyOneCommits() throws Exception {
            long winner;
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                winner = raceTwoAdvances(threads);
            }
            assertThat(stored().position()).isEqualTo(winner);
        }

        /**
         * Races two advances from -1; a store that locks (PostgreSQL) makes the second wait and fail, one that
         * checks at commit (Redis's WATCH) refuses whichever commits second. Either way exactly one commits.
         *
         * @return the position the committed one advanced to
         */
        private long raceTwoAdvances(ExecutorService threads) throws Exception {
            // given: runner one has advanced inside its transaction and not committed yet
            CountDownLatch oneAdvanced = new CountDownLatch(1);
            CountDownLatch twoStarting = new CountDownLatch(1);
            CompletableFuture<Void> one = CompletableFuture.runAsync(
                    () -> inTransaction(tx -> {
                        store().advanceCheckpoint(tx, key, -1, 100);
                        oneAdvanced.countDown();
                        assertThat(twoStarting.await(30, TimeUnit.SECONDS)).isTrue();
                        return null;
                    }),
                    threads);
            assertThat(oneAdvanced.await(30, TimeUnit.SECONDS)).isTrue();
            // when: runner two advances from the same position
            CompletableFuture<Void> two = CompletableFuture.runAsync(
                    () -> {
                        twoStarting.countDown();
                        inTransaction(tx -> {
                            store().advanceCheckpoint(tx, key, -1, 200);
                            return null;
                        });
                    },
                    threads);
            // then
            Throwable oneFailed = outcome(one);
            Throwable twoFailed = outcome(two);
            assertThat(oneFailed == null ^ twoFailed == null)
                    .as("exactly one of the two commits: %s, %s", oneFailed, twoFailed)
                    .isTrue();
            assertThat(oneFailed == null ? twoFailed : oneFailed).isInstanceOf(CheckpointConflictException.class);
            return oneFailed == null ? 100 : 200;
        }

        private Throwable outcome(CompletableFuture<Void> runner) throws Exception {
            try {
                runner.get(30, TimeUnit.SECONDS);
                return null;
            } catch (java.util.concurrent.ExecutionException e) {
                return e.getCause();
            }
        }
    }

    @Nested
    class Pausing {

        @Test
        void aPausedProjectionCannotAdvanceUntilResumed() {
            // given
            store().setPaused(key, true);
            assertThat(stored().paused()).isTrue();
            // when
            assertThatThrownBy(() -> inTransaction(tx -> {
                        store().advanceCheckpoint(tx, key, -1, 3);
                        return null;
                    }))
                    .isInstanceOf(CheckpointConflictException.class);
            store().setPaused(key, false);
            inTransaction(tx -> {
                store().advanceCheckpoint(tx, key, -1, 3);
                return null;
            });
            // then
            assertThat(stored()).isEqualTo(new StoredCheckpoint(3, false, 0));
        }

        @Test
        void retiringPausesForGoodAndTellsThePosition() {
            // given
            inTransaction(tx -> {
                store().advanceCheckpoint(tx, key, -1, 12);
                return null;
            });
            // when
            long position = store().inTransaction(StatementMode.IMMEDIATE, tx -> store().retire(tx, key));
            // then
            assertThat(position).isEqualTo(12);
            assertThat(stored().paused()).isTrue();
        }
    }

    @Nested
    class ResettingAndVersions {

        @Test
        void aResetMovesTheCheckpointBackAndKeepsPauseAndVersion() {
            // given
            inTransaction(tx -> {
                store().adoptVersion(tx, key, 2);
                store().advanceCheckpoint(tx, key, -1, 30);
                return null;
            });
            store().setPaused(key, true);
            // when
            inTransaction(tx -> {
                store().resetCheckpoint(tx, key, -1);
                return null;
            });
            // then
            assertThat(stored()).isEqualTo(new StoredCheckpoint(-1, true, 2));
        }

        @Test
        void theFirstAdoptedVersionStaysAndThePositionIsNotMoved() {
            // when
            inTransaction(tx -> {
                store().adoptVersion(tx, key, 1);
                return null;
            });
            inTransaction(tx -> {
                store().adoptVersion(tx, key, 5);
                return null;
            });
            // then
            assertThat(stored()).isEqualTo(new StoredCheckpoint(-1, false, 1));
        }

        @Test
        void switchingVersionsIsACompareAndSet() {
            // given
            inTransaction(tx -> {
                store().adoptVersion(tx, key, 1);
                return null;
            });
            // when
            boolean first =
                    store().inTransaction(StatementMode.IMMEDIATE, tx -> store().switchVersion(tx, key, 1, 77, 2));
            boolean again =
                    store().inTransaction(StatementMode.IMMEDIATE, tx -> store().switchVersion(tx, key, 1, 5, 3));
            // then
            assertThat(first).isTrue();
            assertThat(again).isFalse();
            assertThat(stored()).isEqualTo(new StoredCheckpoint(77, false, 2));
        }
    }

    @Nested
    class TheUsersView {

        @Test
        void storingMovesTheRunnersCheckpointSoABatchFromTheOldPositionConflicts() {
            // given
            inTransaction(tx -> {
                store().adoptVersion(tx, key, 3);
                store().advanceCheckpoint(tx, key, -1, 5);
                return null;
            });
            // when
            store().checkpoints().storeCheckpoint(key.projection(), 10);
            // then
            assertThat(stored()).isEqualTo(new StoredCheckpoint(10, false, 3));
            assertThatThrownBy(() -> inTransaction(tx -> {
                        store().advanceCheckpoint(tx, key, 5, 6);
                        return null;
                    }))
                    .isInstanceOf(CheckpointConflictException.class);
            assertThat(stored().position()).isEqualTo(10);
        }

        @Test
        void storingOnAPausedProjectionIsRefusedAndChangesNothingWhileAResetStillMovesIt() {
            // given
            inTransaction(tx -> {
                store().advanceCheckpoint(tx, key, -1, 5);
                return null;
            });
            store().setPaused(key, true);
            CheckpointStore checkpoints = store().checkpoints();
            // when / then
            assertThatThrownBy(() -> checkpoints.storeCheckpoint(key.projection(), 9))
                    .isInstanceOf(CheckpointConflictException.class)
                    .hasMessageContaining("paused")
                    .hasMessageContaining("resetCheckpoint(name, 9)");
            assertThat(stored()).isEqualTo(new StoredCheckpoint(5, true, 0));
            checkpoints.storeCheckpoint(key.projection(), 5); // the position already stored: a no-op
            checkpoints.resetCheckpoint(key.projection(), 9);
            assertThat(stored()).isEqualTo(new StoredCheckpoint(9, true, 0));
        }

        @Test
        void aTenantsViewWritesThatTenantsCheckpointOnly() {
            // when
            store().checkpoints().forTenant("tenant-b").storeCheckpoint(key.projection(), 4);
            // then
            assertThat(store().readCheckpoint(new CheckpointKey("tenant-b", key.projection()))
                            .position())
                    .isEqualTo(4);
            assertThat(stored()).isEqualTo(StoredCheckpoint.NONE);
        }
    }
}
