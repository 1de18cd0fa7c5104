package io.lockstep.projection;

import java.util.List;

/**
 * Reads the batch after a checkpoint and checks that the source still holds what the checkpoint stands for.
 * Two checks, so a runner never silently skips events that reuse positions of a log restored from an older
 * backup: the source's head must not be behind the checkpoint (checked at every read, so at start too), and,
 * once this runner committed a batch, the event at the checkpoint's position must still be the one it
 * committed last (same stream, stream version and type; read along with the batch, one event more). Not
 * thread-safe: used by one step.
 */
final class BatchReader {

    /**
     * What a read found.
     *
     * @param batch   the events after the checkpoint, empty when none (or when {@code problem} is set)
     * @param head    the source's head position
     * @param problem why the checkpoint does not fit the source, or null when it does
     */
    record Read(List<Envelope> batch, long head, String problem) {
    }

    private final EventSource source;
    private final int batchSize;
    private final CheckpointKey key;
    /** The last event this runner committed, while the checkpoint is its position. */
    private Envelope anchor;

    BatchReader(EventSource source, int batchSize, CheckpointKey key) {
        this.source = source;
        this.batchSize = batchSize;
        this.key = key;
    }

    /** Reads the batch after {@code from}. */
    Read read(long from) {
        Envelope expected = anchor != null && anchor.position() == from ? anchor : null;
        List<Envelope> events = expected == null ? source.read(from, batchSize) : source.read(from - 1, batchSize + 1);
        long head = source.headPosition();
        if (expected != null) {
            if (events.isEmpty() || events.getFirst().position() != from) {
                return new Read(List.of(), head, behind(from, head));
            }
            Envelope found = events.getFirst();
            if (!sameEvent(found, expected)) {
                return new Read(List.of(), head, "the event at checkpoint " + from + " of " + key + " is now "
                        + found.describe() + ", but this runner committed " + expected.describe() + " there: the"
                        + " event source was replaced or restored from an older backup and has grown past the"
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
        anchor = last;
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

    private static boolean sameEvent(Envelope a, Envelope b) {
        return a.streamId().equals(b.streamId()) && a.streamVersion() == b.streamVersion()
                && a.eventType().equals(b.eventType());
    }
}
