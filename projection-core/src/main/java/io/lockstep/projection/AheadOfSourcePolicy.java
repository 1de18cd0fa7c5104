package io.lockstep.projection;

/**
 * What a runner does when the stored checkpoint is ahead of the event source's head: the log was restored
 * from an older backup (or replaced) while the read model and its checkpoint kept their state, so the
 * positions between the head and the checkpoint will be reused by new events that the read model never saw.
 * Going on would silently skip them.
 */
public sealed interface AheadOfSourcePolicy {

    /** @return {@link Stop}, the default */
    static AheadOfSourcePolicy stop() {
        return new Stop();
    }

    /** @return {@link Rebuild} */
    static AheadOfSourcePolicy rebuild() {
        return new Rebuild();
    }

    /**
     * The projection stops (state FAILED) with an error naming the checkpoint and the head, until an
     * operator replays it (or resets it to the head, accepting the read model as it is).
     */
    record Stop() implements AheadOfSourcePolicy {}

    /**
     * The projection replays from -1 by itself: its reset handler clears the read model and the checkpoint
     * goes back to -1 in one transaction, then it catches up with the log as it now is. Needs a reset handler.
     */
    record Rebuild() implements AheadOfSourcePolicy {}
}
