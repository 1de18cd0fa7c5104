package io.lockstep.projection;

import java.util.Optional;

/**
 * Reconciles the version a read model was built with (stored with its checkpoint) with the projection's version
 * in this code, before a step reads: an unrecorded version is adopted, a higher code version rebuilds once (in
 * place, or side by side through a {@link SideBySideBuild}), and a lower one refuses to run. Not thread-safe:
 * used by its runner's step.
 *
 * @param <C> the transaction context
 */
final class VersionGate<C> {

    /** What the gate decided about a stored checkpoint. */
    sealed interface Verdict {

        /** The stored version is this code's: read on from the stored checkpoint. */
        record Open() implements Verdict {}

        /** The gate changed the stored state (adopted, rebuilt or promoted): read the checkpoint again. */
        record ReadAgain() implements Verdict {}

        /** A side-by-side build stepped instead: the step ends with its result. */
        record Building(StepResult result) implements Verdict {}

        /** This code cannot run on the stored read model: the projection fails with {@code problem}. */
        record Refused(LockstepException problem) implements Verdict {}
    }

    private final RunnerSettings<C> settings;
    private final StatusTracker status;
    private final BatchCommitter<C> committer;
    private final int version;
    private final boolean resettable;
    private final RebuildStrategy<C> rebuildStrategy;
    /** The side-by-side build of a new version, while one runs. */
    private SideBySideBuild<C> build;

    VersionGate(RunnerSettings<C> settings, StatusTracker status, BatchCommitter<C> committer) {
        this.settings = settings;
        this.status = status;
        this.committer = committer;
        this.version = settings.projection().version();
        this.resettable = settings.projection().resettable();
        this.rebuildStrategy = settings.projection().rebuildStrategy();
    }

    /** Decides about {@code stored}, the checkpoint just read (not paused). */
    Verdict admit(StoredCheckpoint stored) {
        CheckpointKey key = settings.key();
        if (stored.version() > version) {
            return new Verdict.Refused(new LockstepException("the read model of " + key + " was built by version "
                    + stored.version() + " of the projection, but this code is version " + version
                    + "; deploy version " + stored.version() + " or later"
                    + (resettable
                            ? ", or replay to rebuild it with this one"
                            : " (this version has no reset handler to replay with)")));
        }
        if (stored.version() == 0) {
            committer.adopt(version); // never recorded: adopt this version without a rebuild
            return new Verdict.ReadAgain();
        }
        if (stored.version() < version) {
            return rebuild(stored.version(), key);
        }
        build = null;
        return new Verdict.Open();
    }

    private Verdict rebuild(int storedVersion, CheckpointKey key) {
        if (rebuildStrategy instanceof RebuildStrategy.SideBySide<C> sideBySide) {
            if (build == null) {
                build = SideBySideBuild.start(settings, status, committer, sideBySide.tables());
            }
            Optional<StepResult> building = build.step(storedVersion);
            if (building.isPresent()) {
                return new Verdict.Building(building.get());
            }
            build = null;
            return new Verdict.ReadAgain();
        }
        if (!resettable) {
            return new Verdict.Refused(new LockstepException("projection " + key + " changed from version "
                    + storedVersion + " to " + version + " and must be rebuilt, but it has no reset handler;"
                    + " add .onReset(tx -> ...) that clears its tables"));
        }
        committer.rebuildInPlace(storedVersion, version);
        return new Verdict.ReadAgain();
    }

    /** @return true while a side-by-side build of a new version runs */
    boolean rebuilding() {
        return build != null;
    }

    /** Makes a running side-by-side build's next step end a FAILED state and retry. */
    void retry() {
        if (build != null) {
            build.retry();
        }
    }
}
