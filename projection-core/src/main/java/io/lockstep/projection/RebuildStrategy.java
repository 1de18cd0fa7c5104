package io.lockstep.projection;

import java.util.Objects;

/**
 * How a projection is rebuilt when its code version is higher than the version recorded with its
 * checkpoint.
 *
 * @param <C> the transaction context
 */
public sealed interface RebuildStrategy<C> {

    /** @return {@link InPlace}, the default */
    static <C> RebuildStrategy<C> inPlace() {
        return new InPlace<>();
    }

    /** @return {@link SideBySide} with {@code tables} managing the versioned tables */
    static <C> RebuildStrategy<C> sideBySide(VersionedTables<C> tables) {
        return new SideBySide<>(tables);
    }

    /**
     * Clear and rebuild in place: the reset handler and the checkpoint go back together in one transaction,
     * then the read model fills up again. Simple; readers see a read model that is empty at first. Choose it
     * when a rebuild is quick or readers can wait.
     */
    record InPlace<C>() implements RebuildStrategy<C> {}

    /**
     * Zero downtime: the new version builds into tables of its own (under its own checkpoint,
     * {@code name@v<version>}) while readers keep reading the old version's tables, unchanged; once the new
     * version has caught up with the head, one transaction re-points readers to the new tables, moves the
     * projection's checkpoint and version, and drops the old tables. Choose it when readers must always
     * see a complete read model; it needs room for two copies and handlers that write to tables named for
     * their version, with readers reading through a view.
     */
    record SideBySide<C>(VersionedTables<C> tables) implements RebuildStrategy<C> {
        /** Validates the component. */
        public SideBySide {
            Objects.requireNonNull(tables, "tables");
        }
    }

    /**
     * Manages the tables of one projection version for a {@link SideBySide} rebuild.
     *
     * @param <C> the transaction context
     */
    interface VersionedTables<C> {

        /** Creates the (empty) tables of {@code version}; must be idempotent. Runs before the build starts. */
        void create(C tx, int version) throws Exception;

        /**
         * Makes readers read {@code toVersion}'s tables (e.g. {@code CREATE OR REPLACE VIEW}) and drops
         * {@code fromVersion}'s, in the transaction that moves the checkpoint.
         */
        void promote(C tx, int fromVersion, int toVersion) throws Exception;
    }
}
