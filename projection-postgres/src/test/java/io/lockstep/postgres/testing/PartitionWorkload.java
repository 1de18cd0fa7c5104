package io.lockstep.postgres.testing;

import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.postgres.eventlog.EventTypes;
import io.lockstep.projection.Envelope;
import io.lockstep.projection.Partition;
import io.lockstep.projection.Projection;
import io.lockstep.projection.StreamBuckets;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * A workload for partitioned projections: {@code Tick} events over many streams, and a projection that writes
 * one {@code applied} row per event it applies, recording the node that applied it and the lease (owner and
 * epoch) its own transaction saw. The checks over {@code applied} prove exactly-once, per-stream order and
 * that no node committed for a partition whose lease it did not hold.
 */
public final class PartitionWorkload {

    /** The one event type. */
    public record Tick(long n) {}

    public static final EventTypes TYPES =
            EventTypes.builder().register("Tick", Tick.class).build();

    /** The projection's name. */
    public static final String PROJECTION = "applied";

    private PartitionWorkload() {}

    /** Creates the {@code applied} table. */
    public static void createTables(TestDatabase db) {
        db.execute("CREATE TABLE IF NOT EXISTS applied (seq bigserial PRIMARY KEY, position bigint NOT NULL,"
                + " stream_id text NOT NULL, stream_version bigint NOT NULL, node text NOT NULL,"
                + " lease_owner text, lease_epoch bigint, checkpoint text NOT NULL)");
    }

    /**
     * Inserts {@code events} Tick events over {@code streams} streams straight into the events table, in the
     * order a live system writes them (streams interleaved, each in version order); the sequencer positions them.
     */
    public static void seed(TestDatabase db, int streams, int events) {
        db.execute("INSERT INTO lockstep.events (stream_id, stream_version, event_type, payload)"
                + " SELECT 's-' || (i % " + streams + "), i / " + streams + ", 'Tick', jsonb_build_object('n', i)"
                + " FROM generate_series(0, " + (events - 1) + ") i");
    }

    /**
     * The projection in {@code partitions} partitions as node {@code node} runs it: per event, one row with the
     * lease its transaction sees for the event's partition (the lease row is share-locked by the batch).
     */
    public static Projection<PostgresTransaction> projection(String node, int partitions) {
        return Projection.<PostgresTransaction>builder(PROJECTION)
                .on(Tick.class, (event, envelope, tx) -> record(node, partitions, envelope, tx))
                .onReset(PartitionWorkload::clear)
                .build();
    }

    /** The projection's handler: writes the {@code applied} row of {@code envelope} as node {@code node}. */
    public static void record(String node, int partitions, Envelope envelope, PostgresTransaction tx)
            throws SQLException {
        int index = StreamBuckets.of(envelope.streamId()) / (StreamBuckets.COUNT / partitions);
        String checkpoint = new Partition(index, partitions).checkpointName(PROJECTION);
        try (PreparedStatement insert = tx.connection()
                .prepareStatement("INSERT INTO applied"
                        + " (position, stream_id, stream_version, node, checkpoint, lease_owner, lease_epoch)"
                        + " SELECT ?, ?, ?, ?, ?, (SELECT owner FROM lockstep.leases WHERE checkpoint = ?),"
                        + " (SELECT epoch FROM lockstep.leases WHERE checkpoint = ?)")) {
            insert.setLong(1, envelope.position());
            insert.setString(2, envelope.streamId());
            insert.setLong(3, envelope.streamVersion());
            insert.setString(4, node);
            insert.setString(5, checkpoint);
            insert.setString(6, checkpoint);
            insert.setString(7, checkpoint);
            insert.executeUpdate();
        }
    }

    /** The projection's reset handler: deletes every {@code applied} row. */
    public static void clear(PostgresTransaction tx) {
        tx.dsl().execute("DELETE FROM applied");
    }

    /** @return positions applied more than once, or never although in the log (up to 10), as text; empty when exact */
    public static String exactlyOnceViolations(TestDatabase db) {
        long doubled = db.queryLong(
                "SELECT count(*) FROM (SELECT position FROM applied GROUP BY position" + " HAVING count(*) > 1) d");
        long missing = db.queryLong("SELECT count(*) FROM lockstep.event_log l WHERE NOT EXISTS"
                + " (SELECT 1 FROM applied a WHERE a.position = l.position)");
        long foreign = db.queryLong("SELECT count(*) FROM applied a WHERE NOT EXISTS"
                + " (SELECT 1 FROM lockstep.event_log l WHERE l.position = a.position)");
        return doubled + missing + foreign == 0
                ? ""
                : doubled + " doubled, " + missing + " missing, " + foreign + " unknown";
    }

    /** @return how many times a stream's events were applied out of version order (0 when in order) */
    public static long orderViolations(TestDatabase db) {
        return db.queryLong("SELECT count(*) FROM (SELECT stream_version, lag(stream_version) OVER"
                + " (PARTITION BY stream_id ORDER BY seq) AS previous FROM applied) v"
                + " WHERE previous IS NOT NULL AND stream_version <> previous + 1");
    }

    /**
     * @return rows committed by a node that did not hold the partition's lease in that transaction, plus rows
     *         whose lease epoch went back within a partition (a fenced-off older holder committing later)
     */
    public static long leaseViolations(TestDatabase db) {
        return db.queryLong("SELECT count(*) FROM applied WHERE lease_owner IS DISTINCT FROM node")
                + db.queryLong(
                        "SELECT count(*) FROM (SELECT lease_epoch, lag(lease_epoch) OVER"
                                + " (PARTITION BY checkpoint ORDER BY seq) AS previous FROM applied) v WHERE lease_epoch < previous");
    }
}
