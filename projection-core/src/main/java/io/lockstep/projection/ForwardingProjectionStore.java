package io.lockstep.projection;

import java.util.Objects;

/**
 * A {@link ProjectionStore} that passes every call on to another one, default methods included (the probe, the
 * held-back statements, the advance that records the last event), so a wrapper overrides only what it changes
 * and cannot drop a call it forgot: a wrapper that implemented the interface itself would silently answer the
 * interface's defaults instead (a probe that always succeeds, no held-back statements). Thread-safe when the
 * delegate is.
 *
 * @param <C> the transaction context
 */
public abstract class ForwardingProjectionStore<C> implements ProjectionStore<C> {

    /** The store calls are passed on to. */
    protected final ProjectionStore<C> delegate;

    /** @param delegate the store calls are passed on to */
    protected ForwardingProjectionStore(ProjectionStore<C> delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The wrapped store's view: a tool's call is not subject to what the wrapper adds (a lease's fence). */
    @Override
    public CheckpointStore checkpoints() {
        return delegate.checkpoints();
    }

    @Override
    public <R> R inTransaction(StatementMode mode, TransactionWork<C, R> work) {
        return delegate.inTransaction(mode, work);
    }

    @Override
    public void advanceCheckpoint(C tx, CheckpointKey key, long expected, long next) {
        delegate.advanceCheckpoint(tx, key, expected, next);
    }

    @Override
    public void advanceCheckpoint(C tx, CheckpointKey key, long expected, Envelope last) {
        delegate.advanceCheckpoint(tx, key, expected, last);
    }

    @Override
    public void probe() {
        delegate.probe();
    }

    @Override
    public StoredCheckpoint readCheckpoint(CheckpointKey key) {
        return delegate.readCheckpoint(key);
    }

    @Override
    public void resetCheckpoint(C tx, CheckpointKey key, long position) {
        delegate.resetCheckpoint(tx, key, position);
    }

    @Override
    public void adoptVersion(C tx, CheckpointKey key, int version) {
        delegate.adoptVersion(tx, key, version);
    }

    @Override
    public long retire(C tx, CheckpointKey key) {
        return delegate.retire(tx, key);
    }

    @Override
    public void setPaused(CheckpointKey key, boolean paused) {
        delegate.setPaused(key, paused);
    }

    @Override
    public boolean switchVersion(C tx, CheckpointKey key, int fromVersion, long position, int toVersion) {
        return delegate.switchVersion(tx, key, fromVersion, position, toVersion);
    }

    @Override
    public PendingStatements pendingStatements(C tx) {
        return delegate.pendingStatements(tx);
    }

    @Override
    public void recordDeadLetter(C tx, DeadLetter letter) {
        delegate.recordDeadLetter(tx, letter);
    }
}
