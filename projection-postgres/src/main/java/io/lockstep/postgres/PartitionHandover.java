package io.lockstep.postgres;

import io.lockstep.projection.Partition;
import io.lockstep.projection.StatementMode;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Re-partitions a projection online, in one transaction: when the partitions of another count hold its
 * checkpoints (or, for a projection partitioned for the first time, its own unpartitioned checkpoint) and no
 * live node holds a lease of them any more, it locks their checkpoint rows (waiting for batches in flight),
 * pauses them for good, deletes their leases and starts the new partitions:
 * <ul>
 *   <li>a new partition inside an old one (a split) starts at the old one's checkpoint: it has applied every
 *       event of the new one's buckets up to there, and none after;</li>
 *   <li>a new partition that holds several old ones (a merge) starts at the smallest of their checkpoints and
 *       {@link PartitionSkip skips}, for each old one further on, that one's buckets up to its checkpoint: those
 *       events are applied already, the others not.</li>
 * </ul>
 * Skips carry over through later splits and merges. A transaction-scoped advisory lock per projection makes
 * concurrent nodes take turns; the second finds the work done. Thread-safe.
 */
final class PartitionHandover {

    private final PostgresProjectionStore store;
    private final String checkpoints;
    private final String leases;
    private final String skips;

    PartitionHandover(PostgresProjectionStore store) {
        this.store = store;
        String q = "\"" + store.schema() + "\".";
        this.checkpoints = q + "checkpoints";
        this.leases = q + "leases";
        this.skips = q + "partition_skips";
    }

    /**
     * @return the partition count the nodes declared for {@code projection}: the one whose leases live nodes hold,
     *         else the only one there is; empty when no node ever ran it partitioned, or when several counts wait
     *         for a re-partitioning and no live node holds any of them
     */
    java.util.OptionalInt declaredCount(String tenantId, String projection) {
        return store.inTransaction(StatementMode.IMMEDIATE, tx -> {
            try (PreparedStatement counts = tx.unbatched()
                    .prepareStatement("SELECT partition_count, bool_or(owner IS NOT NULL AND expires_at >"
                            + " clock_timestamp()) FROM " + leases + " WHERE tenant_id = ? AND projection = ?"
                            + " GROUP BY partition_count")) {
                counts.setString(1, tenantId);
                counts.setString(2, projection);
                List<Integer> all = new ArrayList<>();
                try (ResultSet rows = counts.executeQuery()) {
                    while (rows.next()) {
                        if (rows.getBoolean(2)) {
                            return java.util.OptionalInt.of(rows.getInt(1));
                        }
                        all.add(rows.getInt(1));
                    }
                }
                return all.size() == 1 ? java.util.OptionalInt.of(all.getFirst()) : java.util.OptionalInt.empty();
            }
        });
    }

    /**
     * Brings {@code projection} to {@code count} partitions if it has another count now.
     *
     * @return false while live nodes still run partitions of another count (try again later); true when the
     *         projection has {@code count} partitions
     */
    boolean handOver(String tenantId, String projection, int count) {
        return store.inTransaction(StatementMode.IMMEDIATE, tx -> {
            Connection c = tx.unbatched();
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")) {
                lock.setString(1, "lockstep-partitions/" + tenantId + "/" + projection);
                lock.executeQuery().close();
            }
            Integer old = null;
            try (PreparedStatement schemes = c.prepareStatement("SELECT partition_count, bool_or(owner IS NOT NULL AND"
                    + " expires_at > clock_timestamp()) FROM " + leases + " WHERE tenant_id = ? AND projection = ?"
                    + " AND partition_count <> ? GROUP BY partition_count")) {
                schemes.setString(1, tenantId);
                schemes.setString(2, projection);
                schemes.setInt(3, count);
                try (ResultSet rows = schemes.executeQuery()) {
                    while (rows.next()) {
                        if (rows.getBoolean(2)) {
                            return false; // nodes with the old count still run: wait until they stop
                        }
                        old = rows.getInt(1);
                    }
                }
            }
            if (old == null
                    && count > 1
                    && unpartitionedExists(c, tenantId, projection)
                    && !exists(c, tenantId, new Partition(0, count).checkpointName(projection))) {
                old = 1;
            }
            if (old != null) {
                move(c, tenantId, projection, old, count);
            }
            return true;
        });
    }

    private record Old(Partition partition, long position, boolean paused, int version, List<PartitionSkip> skips) {}

    private void move(Connection c, String tenantId, String projection, int from, int to) throws SQLException {
        List<Partition> oldParts = Partition.all(from);
        String[] oldNames =
                oldParts.stream().map(p -> p.checkpointName(projection)).toArray(String[]::new);
        Map<String, Old> old = lockOld(c, tenantId, projection, oldParts, oldNames);
        List<String> newNames = new ArrayList<>();
        try (PreparedStatement upsert = c.prepareStatement("INSERT INTO " + checkpoints + " AS c (tenant_id,"
                        + " projection, position, paused, version) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, projection)"
                        + " DO UPDATE SET position = EXCLUDED.position, paused = EXCLUDED.paused, version = EXCLUDED.version,"
                        + " updated_at = now()");
                PreparedStatement retire = c.prepareStatement("UPDATE " + checkpoints + " SET paused = true,"
                        + " updated_at = now() WHERE tenant_id = ? AND projection = ANY(?)");
                PreparedStatement dropSkips =
                        c.prepareStatement("DELETE FROM " + skips + " WHERE tenant_id = ? AND checkpoint = ANY(?)");
                PreparedStatement addSkip = c.prepareStatement("INSERT INTO " + skips + " (tenant_id, checkpoint,"
                        + " first_bucket, end_bucket, applied_to) VALUES (?, ?, ?, ?, ?)");
                PreparedStatement dropLeases = c.prepareStatement(
                        "DELETE FROM " + leases + " WHERE tenant_id = ? AND projection = ? AND partition_count <> ?")) {
            retire.setString(1, tenantId);
            retire.setArray(2, c.createArrayOf("text", oldNames));
            retire.executeUpdate();
            for (Partition target : Partition.all(to)) {
                String name = target.checkpointName(projection);
                newNames.add(name);
                List<Old> sources = old.values().stream()
                        .filter(o -> overlaps(o.partition(), target))
                        .toList();
                long start = sources.stream().mapToLong(Old::position).min().orElse(-1);
                upsert.setString(1, tenantId);
                upsert.setString(2, name);
                upsert.setLong(3, start);
                upsert.setBoolean(4, sources.stream().anyMatch(Old::paused));
                upsert.setInt(5, sources.stream().mapToInt(Old::version).min().orElse(0));
                upsert.addBatch();
                for (PartitionSkip skip : skipsOf(target, sources, start)) {
                    addSkip.setString(1, tenantId);
                    addSkip.setString(2, name);
                    addSkip.setInt(3, skip.firstBucket());
                    addSkip.setInt(4, skip.endBucket());
                    addSkip.setLong(5, skip.appliedTo());
                    addSkip.addBatch();
                }
            }
            List<String> allNames = new ArrayList<>(newNames);
            allNames.addAll(List.of(oldNames));
            dropSkips.setString(1, tenantId);
            dropSkips.setArray(2, c.createArrayOf("text", allNames.toArray()));
            dropSkips.executeUpdate();
            upsert.executeBatch();
            addSkip.executeBatch();
            dropLeases.setString(1, tenantId);
            dropLeases.setString(2, projection);
            dropLeases.setInt(3, to);
            dropLeases.executeUpdate();
        }
    }

    /** What the new partition skips: each further old part's buckets up to its checkpoint, and inherited skips. */
    private static List<PartitionSkip> skipsOf(Partition target, List<Old> sources, long start) {
        List<PartitionSkip> result = new ArrayList<>();
        for (Old source : sources) {
            if (source.position() > start) {
                result.add(new PartitionSkip(
                                source.partition().firstBucket(),
                                source.partition().endBucket(),
                                source.position())
                        .clip(target.firstBucket(), target.endBucket()));
            }
            for (PartitionSkip inherited : source.skips()) {
                PartitionSkip clipped = inherited.clip(target.firstBucket(), target.endBucket());
                if (clipped != null && clipped.appliedTo() > start) {
                    result.add(clipped);
                }
            }
        }
        return result;
    }

    private Map<String, Old> lockOld(
            Connection c, String tenantId, String projection, List<Partition> parts, String[] names)
            throws SQLException {
        Map<String, long[]> rows = new HashMap<>();
        Map<String, Boolean> paused = new HashMap<>();
        try (PreparedStatement lock = c.prepareStatement("SELECT projection, position, paused, version FROM "
                + checkpoints + " WHERE tenant_id = ? AND projection = ANY(?) ORDER BY projection FOR UPDATE")) {
            lock.setString(1, tenantId);
            lock.setArray(2, c.createArrayOf("text", names));
            try (ResultSet r = lock.executeQuery()) {
                while (r.next()) {
                    rows.put(r.getString(1), new long[] {r.getLong(2), r.getInt(4)});
                    paused.put(r.getString(1), r.getBoolean(3));
                }
            }
        }
        Map<String, List<PartitionSkip>> skipsByName = new HashMap<>();
        try (PreparedStatement read = c.prepareStatement("SELECT checkpoint, first_bucket, end_bucket, applied_to"
                + " FROM " + skips + " WHERE tenant_id = ? AND checkpoint = ANY(?)")) {
            read.setString(1, tenantId);
            Array array = c.createArrayOf("text", names);
            read.setArray(2, array);
            try (ResultSet r = read.executeQuery()) {
                while (r.next()) {
                    skipsByName
                            .computeIfAbsent(r.getString(1), k -> new ArrayList<>())
                            .add(new PartitionSkip(r.getInt(2), r.getInt(3), r.getLong(4)));
                }
            }
        }
        Map<String, Old> old = new HashMap<>();
        for (Partition p : parts) {
            String name = p.checkpointName(projection);
            long[] row = rows.getOrDefault(name, new long[] {-1, 0});
            old.put(
                    name,
                    new Old(
                            p,
                            row[0],
                            paused.getOrDefault(name, false),
                            (int) row[1],
                            skipsByName.getOrDefault(name, List.of())));
        }
        return old;
    }

    /** @return the skips of the partition whose checkpoint is {@code checkpoint} */
    List<PartitionSkip> skips(String tenantId, String checkpoint) {
        return store.inTransaction(StatementMode.IMMEDIATE, tx -> {
            try (PreparedStatement read = tx.unbatched()
                    .prepareStatement("SELECT first_bucket, end_bucket," + " applied_to FROM " + skips
                            + " WHERE tenant_id = ? AND checkpoint = ?")) {
                read.setString(1, tenantId);
                read.setString(2, checkpoint);
                List<PartitionSkip> result = new ArrayList<>();
                try (ResultSet r = read.executeQuery()) {
                    while (r.next()) {
                        result.add(new PartitionSkip(r.getInt(1), r.getInt(2), r.getLong(3)));
                    }
                }
                return result;
            }
        });
    }

    /** Deletes every skip of {@code projection}'s partitions, inside a replay's transaction. */
    void forget(PostgresTransaction tx, String tenantId, List<String> checkpointNames) throws SQLException {
        try (PreparedStatement delete = tx.unbatched()
                .prepareStatement("DELETE FROM " + skips + " WHERE tenant_id = ? AND checkpoint = ANY(?)")) {
            delete.setString(1, tenantId);
            delete.setArray(2, tx.unbatched().createArrayOf("text", checkpointNames.toArray()));
            delete.executeUpdate();
        }
    }

    private static boolean overlaps(Partition a, Partition b) {
        return a.firstBucket() < b.endBucket() && b.firstBucket() < a.endBucket();
    }

    private boolean unpartitionedExists(Connection c, String tenantId, String projection) throws SQLException {
        return exists(c, tenantId, projection);
    }

    private boolean exists(Connection c, String tenantId, String name) throws SQLException {
        try (PreparedStatement read =
                c.prepareStatement("SELECT 1 FROM " + checkpoints + " WHERE tenant_id = ? AND projection = ?")) {
            read.setString(1, tenantId);
            read.setString(2, name);
            try (ResultSet r = read.executeQuery()) {
                return r.next();
            }
        }
    }
}
