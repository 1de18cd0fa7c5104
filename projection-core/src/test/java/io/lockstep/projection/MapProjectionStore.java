package io.lockstep.projection;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A store written the short way, as a user would for another database: the five methods of
 * {@link SimpleProjectionStore} over maps, with a lock per checkpoint standing in for a row lock (taken by
 * {@link #lockCheckpoint}, released when the transaction ends) and writes staged until commit.
 */
final class MapProjectionStore implements SimpleProjectionStore<InMemoryTransaction> {

    private final Map<CheckpointKey, StoredCheckpoint> rows = new ConcurrentHashMap<>();
    private final Map<CheckpointKey, ReentrantLock> rowLocks = new ConcurrentHashMap<>();
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private final ThreadLocal<Transaction> current = new ThreadLocal<>();

    /** What one transaction holds: its row locks and its staged checkpoints and dead letters. */
    private static final class Transaction {
        final List<ReentrantLock> locks = new ArrayList<>();
        final Map<CheckpointKey, StoredCheckpoint> written = new HashMap<>();
        final List<DeadLetter> letters = new ArrayList<>();
    }

    @Override
    public <R> R inTransaction(StatementMode mode, TransactionWork<InMemoryTransaction, R> work) {
        Transaction transaction = new Transaction();
        current.set(transaction);
        try {
            InMemoryTransaction tx = new InMemoryTransaction();
            R result = work.run(tx);
            rows.putAll(transaction.written);
            synchronized (deadLetters) {
                deadLetters.addAll(transaction.letters);
            }
            tx.commit();
            return result;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new LockstepException("transaction work failed: " + e, e);
        } finally {
            current.remove();
            transaction.locks.forEach(ReentrantLock::unlock);
        }
    }

    @Override
    public StoredCheckpoint lockCheckpoint(InMemoryTransaction tx, CheckpointKey key) {
        Transaction transaction = current.get();
        ReentrantLock lock = rowLocks.computeIfAbsent(key, k -> new ReentrantLock());
        if (!lock.isHeldByCurrentThread()) {
            lock.lock();
            transaction.locks.add(lock);
        }
        StoredCheckpoint written = transaction.written.get(key);
        return written != null ? written : readCheckpoint(key);
    }

    @Override
    public void writeCheckpoint(InMemoryTransaction tx, CheckpointKey key, StoredCheckpoint checkpoint) {
        current.get().written.put(key, checkpoint);
    }

    @Override
    public StoredCheckpoint readCheckpoint(CheckpointKey key) {
        return rows.getOrDefault(key, StoredCheckpoint.NONE);
    }

    @Override
    public void recordDeadLetter(InMemoryTransaction tx, DeadLetter letter) {
        current.get().letters.add(letter);
    }

    List<DeadLetter> deadLetters() {
        synchronized (deadLetters) {
            return List.copyOf(deadLetters);
        }
    }

    @Override
    public String toString() {
        return "map store";
    }
}
