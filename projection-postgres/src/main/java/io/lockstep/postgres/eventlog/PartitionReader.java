package io.lockstep.postgres.eventlog;

import io.lockstep.projection.Envelope;
import io.lockstep.projection.EventSource;
import io.lockstep.projection.Partition;
import io.lockstep.projection.internal.Arguments;
import java.sql.Array;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

/**
 * The events of one partition of the log, read through the {@code (bucket, position)} index of
 * {@code event_log}: each read asks for the partition's buckets ({@code bucket = ANY(...)}, one index descent
 * per bucket) within a window of positions, so its cost follows the partition's own events and the window,
 * not the whole log or the number of partitions.
 *
 * <p>A window that holds none of the partition's events moves on (doubling) until it reaches the head; how far
 * the partition is known to be empty after a checkpoint is remembered, so an idle partition neither reads the
 * same empty range again nor wakes for events that are not its own. Positions at or below the head are final
 * (the sequencer gives them densely in commit order), which is what makes skipping an empty window safe.
 * Thread-safe.
 */
final class PartitionReader implements EventSource {

    /** The widest window, in positions, one statement reads. */
    private static final long MAX_WINDOW = 1L << 20;

    private final PostgresEventLog log;
    private final EventReads reads;
    private final Partition partition;
    private final String sql;
    private final Short[] buckets;
    /** After checkpoint {@code after}, this partition has no event up to {@code emptyTo}. */
    private final AtomicReference<Scanned> scanned = new AtomicReference<>(new Scanned(-1, -1));

    private record Scanned(long after, long emptyTo) {}

    PartitionReader(PostgresEventLog log, EventReads reads, Partition partition, String schema) {
        this.log = log;
        this.reads = reads;
        this.partition = partition;
        this.buckets = IntStream.range(partition.firstBucket(), partition.endBucket())
                .mapToObj(b -> (short) b)
                .toArray(Short[]::new);
        String q = "\"" + schema + "\".";
        this.sql = "SELECT l.position, e.stream_id, e.stream_version, e.event_type, e.payload::text, e.metadata::text,"
                + " e.recorded_at FROM " + q + "event_log l JOIN " + q + "events e ON e.id = l.event_id"
                + " WHERE l.bucket = ANY(?) AND l.position > ? AND l.position <= ? ORDER BY l.position LIMIT ?";
    }

    @Override
    public List<Envelope> read(long afterPosition, int maxEvents) {
        Arguments.requirePosition(afterPosition, "afterPosition");
        long head = log.headPosition();
        long from = Math.max(afterPosition, knownEmptyTo(afterPosition));
        long window = Math.min(MAX_WINDOW, (long) maxEvents * partition.count());
        while (from < head) {
            long to = Math.min(head, from + window);
            List<Envelope> events = readWindow(from, to, maxEvents);
            if (!events.isEmpty()) {
                return events;
            }
            from = to;
            scanned.set(new Scanned(afterPosition, to));
            window = Math.min(MAX_WINDOW, window * 2);
        }
        return List.of();
    }

    private List<Envelope> readWindow(long from, long to, int maxEvents) {
        return reads.readWith(
                "reading partition " + partition + " after position " + from, sql, (connection, statement) -> {
                    Array array = connection.createArrayOf("int2", buckets);
                    statement.setArray(1, array);
                    statement.setLong(2, from);
                    statement.setLong(3, to);
                    statement.setInt(4, maxEvents);
                });
    }

    private long knownEmptyTo(long afterPosition) {
        Scanned known = scanned.get();
        return known.after() == afterPosition ? known.emptyTo() : -1;
    }

    @Override
    public long headPosition() {
        return log.headPosition();
    }

    /** Waits for events after what this partition is known to have none up to. */
    @Override
    public boolean awaitEvents(long afterPosition, Duration timeout) throws InterruptedException {
        return log.awaitEvents(Math.max(afterPosition, knownEmptyTo(afterPosition)), timeout);
    }

    @Override
    public String toString() {
        return "partition " + partition + " of " + log;
    }
}
