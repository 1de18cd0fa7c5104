package io.lockstep.projection;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link ProjectionStore} in memory for unit tests: transactions run one at a time, stage their effects
 * in an {@link InMemoryTransaction} and apply them with the checkpoint at commit. It can be told to fail
 * commits with a {@link TransientStoreException}, or its {@link #probe()}, to exercise a runner's retries.
 */
public final class InMemoryProjectionStore implements ProjectionStore<InMemoryTransaction> {

    private final ReentrantLock transactionLock = new ReentrantLock();
    private final InMemoryCheckpointStore checkpoints = new InMemoryCheckpointStore();
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private final java.util.Map<CheckpointKey, Boolean> paused = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<CheckpointKey, Integer> versions = new java.util.concurrent.ConcurrentHashMap<>();
    private final ThreadLocal<List<Runnable>> pending = new ThreadLocal<>();

    private int transientFailuresToInject;
    private volatile boolean probeFails;

    InMemoryProjectionStore() {}

    @Override
    public <R> R inTransaction(StatementMode mode, TransactionWork<InMemoryTransaction, R> work) {
        transactionLock.lock();
        try {
            InMemoryTransaction tx = new InMemoryTransaction();
            List<Runnable> storeEffects = new ArrayList<>();
            pending.set(storeEffects);
            R result = work.run(tx);
            if (transientFailuresToInject > 0) {
                transientFailuresToInject--;
                throw new TransientStoreException(
                        "in-memory store: injected commit failure", new IllegalStateException("injected"));
            }
            storeEffects.forEach(Runnable::run);
            tx.commit();
            return result;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new LockstepException("transaction work failed: " + e, e);
        } finally {
            pending.remove();
            transactionLock.unlock();
        }
    }

    @Override
    public void advanceCheckpoint(InMemoryTransaction tx, CheckpointKey key, long expected, long next) {
        ProjectionStore.requireForward(key, expected, next);
        long stored = checkpoints.get(key);
        if (paused.getOrDefault(key, false)) {
            throw CheckpointConflictException.paused(key, stored);
        }
        if (stored != expected) {
            throw CheckpointConflictException.concurrentAdvance(key, expected, stored);
        }
        // Applied at commit; transactions run one at a time, so nothing moves it in between.
        pending.get().add(() -> checkpoints.advance(key, expected, next));
    }

    /** Fails while {@link #failProbes(boolean)} is on, as a store whose database went away would. */
    @Override
    public void probe() {
        if (probeFails) {
            throw new IllegalStateException("in-memory store: injected probe failure");
        }
    }

    @Override
    public StoredCheckpoint readCheckpoint(CheckpointKey key) {
        return new StoredCheckpoint(
                checkpoints.get(key), paused.getOrDefault(key, false), versions.getOrDefault(key, 0));
    }

    @Override
    public void resetCheckpoint(InMemoryTransaction tx, CheckpointKey key, long position) {
        io.lockstep.projection.internal.Arguments.requirePosition(position, "position");
        pending.get().add(() -> checkpoints.set(key, position));
    }

    @Override
    public void adoptVersion(InMemoryTransaction tx, CheckpointKey key, int version) {
        pending.get().add(() -> versions.merge(key, version, (old, adopted) -> old == 0 ? adopted : old));
    }

    @Override
    public long retire(InMemoryTransaction tx, CheckpointKey key) {
        pending.get().add(() -> paused.put(key, true));
        return checkpoints.get(key);
    }

    @Override
    public boolean switchVersion(
            InMemoryTransaction tx, CheckpointKey key, int fromVersion, long position, int toVersion) {
        if (versions.getOrDefault(key, 0) != fromVersion) {
            return false;
        }
        pending.get().add(() -> {
            checkpoints.set(key, position);
            versions.put(key, toVersion);
        });
        return true;
    }

    @Override
    public void setPaused(CheckpointKey key, boolean pause) {
        paused.put(key, pause);
    }

    @Override
    public void recordDeadLetter(InMemoryTransaction tx, DeadLetter letter) {
        pending.get().add(() -> {
            synchronized (deadLetters) {
                deadLetters.add(letter);
            }
        });
    }

    /** @return the dead letters committed so far, oldest first */
    public List<DeadLetter> deadLetters() {
        synchronized (deadLetters) {
            return List.copyOf(deadLetters);
        }
    }

    /** Makes the next {@code count} commits fail with a {@link TransientStoreException}, committing nothing. */
    public void failNextCommits(int count) {
        transactionLock.lock();
        try {
            transientFailuresToInject = count;
        } finally {
            transactionLock.unlock();
        }
    }

    /** Makes {@link #probe()} fail ({@code true}) or succeed again ({@code false}). */
    public void failProbes(boolean fail) {
        probeFails = fail;
    }

    @Override
    public String toString() {
        return "in-memory projection store";
    }
}
