package io.lockstep.projection;

import java.util.List;

/**
 * Reads the batch after a checkpoint and checks that the source still holds what the checkpoint stands for.
 * Two checks, so a runner never silently skips events that reuse positions of a log restored from an older
 * backup: the source's head must not be behind the checkpoint (checked at every read, so at start too), and
 * the event at the checkpoint's position must still be the one committed there (same stream, stream version
 * and type; read along with the batch, one event more), as this runner committed it or, after a restart, as
 * the store recorded it with the checkpoint ({@link StoredCheckpoint#lastEvent()}). Not thread-safe: used by
 * one step.
 */
final class BatchReader {

    /**
     * What a read found.
     *
     * @param batch   the events after the checkpoint, empty when none (or when {@code problem} is set)
     * @param head    the source's head position
     * @param problem why the checkpoint does not fit the source, or null when it does
     */
    record Read(List<Envelope> batch, long head, String problem) {}

    private final EventSource source;
    private final int batchSize;
    private final CheckpointKey key;
    /** The event committed at the checkpoint, known while the checkpoint is its position. */
    private EventIdentity anchor;

    BatchReader(EventSource source, int batchSize, CheckpointKey key) {
        this.source = source;
        this.batchSize = batchSize;
        this.key = key;
    }

    /** Reads the batch after {@code from}. */
    Read read(long from) {
        EventIdentity expected = anchor != null && anchor.position() == from ? anchor : null;
        List<Envelope> events = expected == null ? source.read(from, batchSize) : source.read(from - 1, batchSize + 1);
        long head = source.headPosition();
        if (expected != null) {
            if (events.isEmpty() || events.getFirst().position() != from) {
                return new Read(List.of(), head, behind(from, head));
            }
            Envelope found = events.getFirst();
            if (!expected.matches(found)) {
                return new Read(
                        List.of(),
                        head,
                        "the event at checkpoint " + from + " of " + key + " is now "
                                + found.describe() + ", but the checkpoint was committed after " + expected.describe()
                                + ": the event source was replaced or restored from an older backup and has grown past the"
                                + " checkpoint again (head " + head + ")");
            }
            events = events.subList(1, events.size());
        }
        if (events.isEmpty() && head < from) {
            return new Read(List.of(), head, behind(from, head));
        }
        return new Read(events, head, null);
    }

    /** Remembers {@code last} as the event at the new checkpoint. */
    void committed(Envelope last) {
        anchor = EventIdentity.of(last);
    }

    /**
     * Remembers {@code stored}, the event the store recorded at the checkpoint it just returned; null (a store
     * that records none, or a checkpoint moved by a reset) keeps what this reader knew.
     */
    void stored(EventIdentity stored) {
        if (stored != null) {
            anchor = stored;
        }
    }

    /** Forgets the anchor: the checkpoint moved in a way this reader did not see. */
    void forget() {
        anchor = null;
    }

    private String behind(long from, long head) {
        return "checkpoint of " + key + " is at position " + from + " but the event source's head is at " + head
                + ": the event log was restored from an older backup (or replaced) while the read model kept its"
                + " state; new events would reuse positions " + (head + 1) + ".." + from + " and be skipped";
    }
}
