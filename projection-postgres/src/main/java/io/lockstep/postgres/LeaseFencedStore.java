package io.lockstep.postgres;

import io.lockstep.postgres.internal.SqlFailures;
import io.lockstep.projection.CheckpointConflictException;
import io.lockstep.projection.CheckpointKey;
import io.lockstep.projection.Envelope;
import io.lockstep.projection.ForwardingProjectionStore;
import io.lockstep.projection.StatementMode;
import io.lockstep.projection.TransactionWork;
import java.sql.SQLException;

/**
 * The store of one partition's runner while this node holds the partition's lease: every batch's transaction
 * first checks and share-locks the lease (owner, epoch, not expired) together with the checkpoint
 * compare-and-set, and checks it again just before commit. So a batch commits only while its node holds the
 * lease: a takeover's claim skips a lease row locked by a batch in flight and gets it only after that batch
 * ended, and a node frozen past its lease (SIGSTOP) either has its transaction ended by the server (idle limit
 * of half a lease) or fails the check before commit when it wakes. Either way it rolls back, and
 * {@code onLost} tells its node to stop the runner. Everything else (the probe and the held-back statements
 * included) is passed on. Thread-safe.
 */
final class LeaseFencedStore extends ForwardingProjectionStore<PostgresTransaction> {

    private final PostgresProjectionStore postgres;
    private final NodeLeases leases;
    private final Lease lease;
    private final Runnable onLost;

    LeaseFencedStore(PostgresProjectionStore delegate, NodeLeases leases, Lease lease, Runnable onLost) {
        super(delegate);
        this.postgres = delegate;
        this.leases = leases;
        this.lease = lease;
        this.onLost = onLost;
    }

    @Override
    public <R> R inTransaction(StatementMode mode, TransactionWork<PostgresTransaction, R> work) {
        return delegate.inTransaction(mode, tx -> {
            R result = work.run(tx);
            if (!leases.stillHeld(tx.unbatched(), lease)) {
                throw lost(-1);
            }
            return result;
        });
    }

    @Override
    public void advanceCheckpoint(PostgresTransaction tx, CheckpointKey key, long expected, long next) {
        requireLease(tx, key, expected);
        delegate.advanceCheckpoint(tx, key, expected, next);
    }

    @Override
    public void advanceCheckpoint(PostgresTransaction tx, CheckpointKey key, long expected, Envelope last) {
        requireLease(tx, key, expected);
        delegate.advanceCheckpoint(tx, key, expected, last);
    }

    @Override
    public void resetCheckpoint(PostgresTransaction tx, CheckpointKey key, long position) {
        requireLease(tx, key, position);
        delegate.resetCheckpoint(tx, key, position);
    }

    private void requireLease(PostgresTransaction tx, CheckpointKey key, long expected) {
        if (!key.equals(lease.key())) {
            throw new IllegalStateException("the runner of " + lease.key() + " tried to move " + key);
        }
        boolean held;
        try {
            held = leases.hold(tx.unbatched(), lease);
        } catch (SQLException e) {
            throw SqlFailures.translate(
                    "PostgreSQL store '" + postgres.schema() + "'", "checking the lease of " + key, e);
        }
        if (!held) {
            throw lost(expected);
        }
    }

    private CheckpointConflictException lost(long expected) {
        onLost.run();
        return new CheckpointConflictException(
                lease.key(),
                expected,
                expected,
                "node '" + leases.nodeId()
                        + "' no longer holds the lease of " + lease.key() + " (epoch " + lease.epoch()
                        + "); the batch rolled back and another node takes the partition over");
    }
}
