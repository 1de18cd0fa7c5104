package io.lockstep.projection;

import java.util.Optional;

/**
 * A side-by-side rebuild of a new version of a projection: the new version builds under its own checkpoint
 * ({@code name@v<version>}) into its own tables while readers keep the old ones; once it has caught up, one
 * transaction retires the build's checkpoint, switches the projection's checkpoint and version (unless another
 * runner did) and promotes the new tables. Not thread-safe: stepped by its runner's step.
 *
 * @param <C> the transaction context
 */
final class SideBySideBuild<C> {

    private final ProjectionStep<C> build;
    private final CheckpointKey building;
    private final CheckpointKey key;
    private final int version;
    private final RebuildStrategy.VersionedTables<C> tables;
    private final BatchCommitter<C> committer;
    private final ProjectionStore<C> store;

    private SideBySideBuild(
            ProjectionStep<C> build,
            CheckpointKey building,
            RunnerSettings<C> settings,
            RebuildStrategy.VersionedTables<C> tables,
            BatchCommitter<C> committer) {
        this.build = build;
        this.building = building;
        this.key = settings.key();
        this.version = settings.projection().version();
        this.tables = tables;
        this.committer = committer;
        this.store = settings.store();
    }

    /**
     * Creates the new version's tables and a step that builds them under the build's own checkpoint.
     *
     * @param committer the committer of the projection's own checkpoint, which promotes the build
     */
    static <C> SideBySideBuild<C> start(
            RunnerSettings<C> settings,
            StatusTracker status,
            BatchCommitter<C> committer,
            RebuildStrategy.VersionedTables<C> tables) {
        int version = settings.projection().version();
        CheckpointKey building =
                new CheckpointKey(settings.key().tenantId(), settings.key().projection() + "@v" + version);
        committer.inTransaction(tx -> {
            tables.create(tx, version);
            return null;
        });
        status.state(ProjectionState.CATCHING_UP);
        return new SideBySideBuild<>(
                new ProjectionStep<>(settings.withKey(building), status), building, settings, tables, committer);
    }

    /**
     * Steps the build once; once it has caught up, promotes it over {@code fromVersion}.
     *
     * @return the build's step result while it runs (or stays paused by an operator), or empty once the build was
     *         promoted, here or by another runner: the caller reads its checkpoint again
     */
    Optional<StepResult> step(int fromVersion) {
        StepResult result = build.step();
        if (result instanceof StepResult.Idle) {
            committer.promote(building, fromVersion, version, tables);
            return Optional.empty();
        }
        if (result instanceof StepResult.Paused && store.readCheckpoint(key).version() == version) {
            return Optional.empty(); // another runner promoted it and retired the build in the same transaction
        }
        return Optional.of(result); // a paused build that was not promoted was paused by an operator: it stays so
    }

    /** Makes the build's next step end a FAILED state and retry; see {@link ProjectionStep#retry()}. */
    void retry() {
        build.retry();
    }
}
