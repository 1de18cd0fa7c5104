package io.lockstep.projection;

import java.util.List;
import java.util.Objects;

/**
 * A projection split into {@link Partition partitions}, operated as one: pause, resume, replay and version
 * rebuilds act on every partition's checkpoint at once. Whoever runs the partitions (one process, or nodes
 * under leases) builds one runner per partition with {@link #runner}.
 *
 * <p>Replay and rebuilds run in ONE transaction that first locks every partition's checkpoint row (in
 * partition order, so two operators cannot deadlock), then runs the reset handler once and sets every
 * checkpoint to -1: readers never see some partitions' old state mixed with others' new state, and a batch in
 * flight in any partition either committed before (and is cleared) or fails its claim after. Thread-safe.
 *
 * @param <C> the transaction context
 */
public final class PartitionSet<C> {

    private final Projection<C> projection;
    private final ProjectionStore<C> store;
    private final String tenantId;
    private final List<Partition> partitions;

    private PartitionSet(Projection<C> projection, ProjectionStore<C> store, String tenantId, int count) {
        this.projection = Objects.requireNonNull(projection, "projection");
        this.store = Objects.requireNonNull(store, "store");
        this.tenantId = Objects.requireNonNull(tenantId, "tenantId");
        this.partitions = Partition.all(count);
    }

    /**
     * @param count partitions: a power of two, 1..1024 (1 keeps the projection's own checkpoint)
     * @throws IllegalArgumentException for another count, or a projection name too long for its partitions'
     *                                  checkpoints ({@code name[index/count]}, at most {@link CheckpointKey#MAX_LENGTH}
     *                                  characters)
     */
    public static <C> PartitionSet<C> of(
            Projection<C> projection, ProjectionStore<C> store, String tenantId, int count) {
        String longest = new Partition(count - 1, count).checkpointName(projection.name());
        int length = longest.codePointCount(0, longest.length());
        if (length > CheckpointKey.MAX_LENGTH) {
            String name = projection.name();
            String suffix = longest.substring(name.length());
            throw new IllegalArgumentException("projection '" + name.substring(0, name.offsetByCodePoints(0, 20))
                    + "...' in " + count + " partitions keeps checkpoints named like '..." + suffix + "', of up to "
                    + length + " characters; the limit is " + CheckpointKey.MAX_LENGTH
                    + " (CheckpointKey.MAX_LENGTH): shorten the name to at most "
                    + (CheckpointKey.MAX_LENGTH - suffix.length()) + " characters, or use fewer partitions");
        }
        if (count > 1 && projection.rebuildStrategy() instanceof RebuildStrategy.SideBySide<C>) {
            throw new IllegalArgumentException("projection '" + projection.name() + "' rebuilds side by side, which"
                    + " partitioned projections do not support yet; use the in-place rebuild (the default) or 1"
                    + " partition");
        }
        return new PartitionSet<>(projection, store, tenantId, count);
    }

    /** @return the projection */
    public Projection<C> projection() {
        return projection;
    }

    /** @return the partitions, in index order */
    public List<Partition> partitions() {
        return partitions;
    }

    /** @return the checkpoint key of {@code partition} */
    public CheckpointKey key(Partition partition) {
        return new CheckpointKey(tenantId, partition.checkpointName(projection.name()));
    }

    /**
     * @param partitionSource the partition's events, e.g. {@link PartitionedEventSource#partition(Partition)}
     * @return a runner builder for {@code partition}
     */
    public ProjectionRunner.Builder<C> runner(
            Partition partition, ProjectionStore<C> runnerStore, EventSource partitionSource) {
        ProjectionRunner.Builder<C> builder = ProjectionRunner.builder(projection, runnerStore, partitionSource)
                .checkpointName(partition.checkpointName(projection.name()));
        return tenantId.isEmpty() ? builder : builder.tenant(tenantId);
    }

    /** Pauses or resumes every partition (each stops at its next batch boundary). */
    public void setPaused(boolean paused) {
        partitions.forEach(p -> store.setPaused(key(p), paused));
    }

    /**
     * Replays from -1: in one transaction, every partition's checkpoint to -1 and the reset handler once.
     *
     * @throws IllegalStateException when the projection has no reset handler
     */
    public void replay() {
        replay(tx -> {});
    }

    /**
     * Replays from -1 like {@link #replay()}, running {@code alsoInTransaction} in the same transaction after
     * the reset handler (a store's own bookkeeping, e.g. forgetting what merged partitions skip).
     */
    public void replay(ResetHandler<C> alsoInTransaction) {
        Objects.requireNonNull(alsoInTransaction, "alsoInTransaction");
        requireResettable("replayed");
        store.inTransaction(projection.statementMode(), tx -> {
            partitions.forEach(p -> store.resetCheckpoint(tx, key(p), -1));
            projection.reset(tx);
            alsoInTransaction.reset(tx);
            return null;
        });
    }

    /** Sets every partition's checkpoint to {@code position} in one transaction, without touching the read model. */
    public void resetTo(long position) {
        io.lockstep.projection.internal.Arguments.requirePosition(position, "position");
        store.inTransaction(projection.statementMode(), tx -> {
            partitions.forEach(p -> store.resetCheckpoint(tx, key(p), position));
            return null;
        });
    }

    /**
     * Brings every partition to the projection's version before runners start: a fresh projection adopts it;
     * an older recorded version rebuilds in place, in one transaction (all checkpoints to -1 and the new
     * version, compare-and-set on each, and the reset handler once). Idempotent; safe to call from several
     * nodes at once (the loser's compare-and-set fails and it rolls back).
     *
     * @throws LockstepException when a partition was built by a newer version than this code
     */
    public void reconcileVersion() {
        int version = projection.version();
        List<StoredCheckpoint> stored =
                partitions.stream().map(p -> store.readCheckpoint(key(p))).toList();
        if (stored.stream().allMatch(s -> s.version() == version)) {
            return;
        }
        StoredCheckpoint newer =
                stored.stream().filter(s -> s.version() > version).findFirst().orElse(null);
        if (newer != null) {
            throw new LockstepException("the read model of projection '" + projection.name() + "' was built by"
                    + " version " + newer.version() + ", but this code is version " + version + "; deploy version "
                    + newer.version() + " or later");
        }
        boolean fresh = stored.stream().allMatch(s -> s.version() == 0 || s.version() == version);
        if (fresh) {
            store.inTransaction(projection.statementMode(), tx -> {
                partitions.forEach(p -> store.adoptVersion(tx, key(p), version));
                return null;
            });
            return;
        }
        rebuildInPlace(stored, version);
    }

    private void rebuildInPlace(List<StoredCheckpoint> stored, int version) {
        requireResettable("rebuilt for version " + version);
        store.inTransaction(projection.statementMode(), tx -> {
            for (int i = 0; i < partitions.size(); i++) {
                CheckpointKey key = key(partitions.get(i));
                store.adoptVersion(tx, key, stored.get(i).version()); // creates a missing row
                if (!store.switchVersion(tx, key, stored.get(i).version(), -1, version)) {
                    throw new CheckpointConflictException(
                            key, -1, -1, "another node rebuilt projection '" + projection.name() + "' first");
                }
            }
            projection.reset(tx);
            return null;
        });
    }

    private void requireResettable(String what) {
        if (!projection.resettable()) {
            throw new IllegalStateException("projection '" + projection.name() + "' has no reset handler, so it"
                    + " cannot be " + what + "; add .onReset(tx -> ...) that clears its tables");
        }
    }

    @Override
    public String toString() {
        return projection.name() + " in " + partitions.size() + " partition(s)";
    }
}
