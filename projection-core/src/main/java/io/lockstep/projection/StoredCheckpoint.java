package io.lockstep.projection;

/**
 * What a {@link ProjectionStore} keeps about one projection besides its read model.
 *
 * @param position the committed checkpoint, -1 when none
 * @param paused   whether an operator paused the projection (survives restarts)
 * @param version  the projection version the read model was built with, 0 when never recorded
 */
public record StoredCheckpoint(long position, boolean paused, int version) {

    /** The state of a projection that never ran. */
    public static final StoredCheckpoint NONE = new StoredCheckpoint(-1, false, 0);

    /** Validates the components. */
    public StoredCheckpoint {
        io.lockstep.projection.internal.Arguments.requirePosition(position, "position");
        if (version < 0) {
            throw new IllegalArgumentException("version " + version + " is invalid: versions start at 1 (0 = none)");
        }
    }
}
