package io.lockstep.projection;

import java.time.Duration;

/**
 * A wait for a projection to reach a position ({@link ProjectionRunner#awaitCheckpoint}) ran out of time: the
 * read model does not yet reflect the position. Worth retrying later; {@link #checkpoint()} says how far the
 * projection had come.
 */
public final class CheckpointTimeoutException extends LockstepException {

    private final CheckpointKey key;
    private final long position;
    private final long checkpoint;

    /**
     * @param key        the projection waited for
     * @param position   the position waited for
     * @param checkpoint the stored checkpoint when the time ran out
     * @param timeout    how long the wait lasted
     */
    public CheckpointTimeoutException(CheckpointKey key, long position, long checkpoint, Duration timeout) {
        super("projection " + key + " has not reached position " + position + " within " + timeout.toMillis()
                + " ms (its checkpoint is " + checkpoint + "); retry later, or look at its status if it stays behind");
        this.key = key;
        this.position = position;
        this.checkpoint = checkpoint;
    }

    /** @return the projection waited for */
    public CheckpointKey key() {
        return key;
    }

    /** @return the position waited for */
    public long position() {
        return position;
    }

    /** @return the stored checkpoint when the time ran out */
    public long checkpoint() {
        return checkpoint;
    }
}
