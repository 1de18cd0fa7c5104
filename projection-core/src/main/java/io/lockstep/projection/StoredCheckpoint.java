package io.lockstep.projection;

/**
 * What a {@link ProjectionStore} keeps about one projection besides its read model.
 *
 * @param position  the committed checkpoint, -1 when none
 * @param paused    whether an operator paused the projection (survives restarts)
 * @param version   the projection version the read model was built with, 0 when never recorded
 * @param lastEvent the event at {@code position} as recorded by the batch that moved the checkpoint there, or
 *                  null when the store does not record it (or a reset, replay or version switch moved the
 *                  checkpoint since); a runner checks that the event source still holds it there
 */
public record StoredCheckpoint(long position, boolean paused, int version, EventIdentity lastEvent) {

    /** The state of a projection that never ran. */
    public static final StoredCheckpoint NONE = new StoredCheckpoint(-1, false, 0);

    /** Validates the components. */
    public StoredCheckpoint {
        io.lockstep.projection.internal.Arguments.requirePosition(position, "position");
        if (version < 0) {
            throw new IllegalArgumentException("version " + version + " is invalid: versions start at 1 (0 = none)");
        }
        if (lastEvent != null && lastEvent.position() != position) {
            throw new IllegalArgumentException("lastEvent " + lastEvent.describe() + " is not at the checkpoint's"
                    + " position " + position + "; pass null when the store has no event for this position");
        }
    }

    /** A checkpoint without the identity of its event (a store that does not record it). */
    public StoredCheckpoint(long position, boolean paused, int version) {
        this(position, paused, version, null);
    }
}
