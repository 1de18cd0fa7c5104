package io.lockstep.projection;

/**
 * A checkpoint was not where the caller expected it: another runner of the same projection advanced
 * it concurrently, the projection is paused, or a store call would have moved it backward.
 *
 * <p>When thrown inside a batch transaction, the whole batch is rolled back: the read model and the
 * checkpoint are exactly as the other writer left them.
 */
public final class CheckpointConflictException extends LockstepException {

    private static final long serialVersionUID = 1L;

    private final CheckpointKey key;
    private final long expected;
    private final long actual;

    /**
     * @param key      the checkpoint in conflict
     * @param expected the position the caller assumed was stored
     * @param actual   the position actually stored (-1 when none)
     * @param message  the full explanation with the fix
     */
    public CheckpointConflictException(CheckpointKey key, long expected, long actual, String message) {
        super(message);
        this.key = key;
        this.expected = expected;
        this.actual = actual;
    }

    /** Builds the exception for a runner whose batch lost the race to another runner. */
    public static CheckpointConflictException concurrentAdvance(CheckpointKey key, long expected, long actual) {
        return new CheckpointConflictException(
                key,
                expected,
                actual,
                "checkpoint of " + key + " moved from " + expected + " to " + actual
                        + " while this batch ran: another runner of the same projection is active;"
                        + " the batch was rolled back and nothing of it was applied");
    }

    /** Builds the exception for a batch that found its projection paused when it tried to commit. */
    public static CheckpointConflictException paused(CheckpointKey key, long position) {
        return new CheckpointConflictException(
                key,
                position,
                position,
                "projection " + key + " was paused at " + position
                        + " while this batch ran; the batch was rolled back");
    }

    /** Builds the exception for a store call on a projection an operator paused. */
    public static CheckpointConflictException pausedProjection(CheckpointKey key, long stored, long requested) {
        return new CheckpointConflictException(
                key,
                stored,
                stored,
                "refusing to move checkpoint of " + key + " from " + stored + " to " + requested
                        + ": the projection is paused (or retired after a side-by-side rebuild), and a pause stops"
                        + " every forward move. Resume it first, or move it anyway with resetCheckpoint(name, "
                        + requested + ")");
    }

    /** Builds the exception for a store call that would have moved the checkpoint backward. */
    public static CheckpointConflictException backward(CheckpointKey key, long stored, long requested) {
        return new CheckpointConflictException(
                key,
                requested,
                stored,
                "refusing to move checkpoint of " + key + " backward from " + stored + " to " + requested
                        + "; a checkpoint only moves forward. To rewind on purpose (a replay), call"
                        + " resetCheckpoint(name, " + requested + ")");
    }

    /** @return the checkpoint in conflict */
    public CheckpointKey key() {
        return key;
    }

    /** @return the position the caller assumed */
    public long expected() {
        return expected;
    }

    /** @return the position actually stored, -1 when none */
    public long actual() {
        return actual;
    }
}
