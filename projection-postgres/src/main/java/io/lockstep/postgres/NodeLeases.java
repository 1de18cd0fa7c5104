package io.lockstep.postgres;

import io.lockstep.postgres.internal.JdbcConnections;
import io.lockstep.projection.CheckpointKey;
import io.lockstep.projection.Partition;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One node's statements on the node and lease tables: heartbeat, claims, renewals, releases, and the check a
 * batch makes inside its own transaction. Each call but the in-transaction checks is one auto-committed
 * statement. Thread-safe.
 */
final class NodeLeases {

    private final JdbcConnections jdbc;
    private final LeaseSql sql;
    private final String nodeId;
    private final long leaseMillis;
    /** Server-side limit on a batch transaction left idle, e.g. by a node frozen mid-batch. */
    private final String idleLimit;

    NodeLeases(JdbcConnections jdbc, LeaseSql sql, String nodeId, Duration lease) {
        this.jdbc = jdbc;
        this.sql = sql;
        this.nodeId = nodeId;
        this.leaseMillis = lease.toMillis();
        this.idleLimit = Math.max(1, leaseMillis / 2) + "ms";
    }

    String nodeId() {
        return nodeId;
    }

    /**
     * Registers or renews this node with the projections it runs.
     *
     * @return the live nodes' ids, sorted, each with the projections it runs
     */
    java.util.SortedMap<String, List<String>> heartbeat(List<String> projections) {
        return jdbc.withConnection("renewing node " + nodeId, connection -> {
            try (PreparedStatement beat = connection.prepareStatement(sql.heartbeat())) {
                beat.setString(1, nodeId);
                beat.setLong(2, leaseMillis);
                beat.setArray(3, connection.createArrayOf("text", projections.toArray()));
                beat.executeUpdate();
            }
            java.util.SortedMap<String, List<String>> live = new java.util.TreeMap<>();
            try (PreparedStatement nodes = connection.prepareStatement(sql.liveNodes());
                    ResultSet rows = nodes.executeQuery()) {
                while (rows.next()) {
                    live.put(rows.getString(1), List.of((String[])
                            rows.getArray(2).getArray()));
                }
            }
            return live;
        });
    }

    /** Creates the leases of every partition that has none yet. */
    void declare(String tenantId, String projection, List<Partition> partitions) {
        jdbc.withConnection("declaring the leases of " + projection, connection -> {
            try (PreparedStatement declare = connection.prepareStatement(sql.declare())) {
                for (Partition p : partitions) {
                    declare.setString(1, tenantId);
                    declare.setString(2, p.checkpointName(projection));
                    declare.setString(3, projection);
                    declare.setInt(4, p.index());
                    declare.setInt(5, p.count());
                    declare.addBatch();
                }
                declare.executeBatch();
            }
            return null;
        });
    }

    /** Renews every unexpired lease of this node; @return them (an expired one is lost) */
    List<HeldLease> renew() {
        return jdbc.withConnection("renewing the leases of node " + nodeId, connection -> {
            try (PreparedStatement renew = connection.prepareStatement(sql.renew())) {
                renew.setLong(1, leaseMillis);
                renew.setString(2, nodeId);
                return leases(renew);
            }
        });
    }

    /** Claims up to {@code max} free or expired leases of the projection's partitions. */
    List<HeldLease> claim(String tenantId, String projection, int count, int max) {
        return jdbc.withConnection("claiming partitions of " + projection, connection -> {
            try (PreparedStatement claim = connection.prepareStatement(sql.claim())) {
                claim.setString(1, nodeId);
                claim.setLong(2, leaseMillis);
                claim.setString(3, tenantId);
                claim.setString(4, projection);
                claim.setInt(5, count);
                claim.setInt(6, max);
                return leases(claim);
            }
        });
    }

    /** Gives {@code lease} up, so another node can claim it at once. */
    void release(Lease lease) {
        jdbc.withConnection("releasing " + lease.key(), connection -> {
            try (PreparedStatement release = connection.prepareStatement(sql.release())) {
                bindLease(release, 1, lease);
                return release.executeUpdate();
            }
        });
    }

    /** Gives up every lease of this node and removes it from the live nodes. */
    void leave() {
        jdbc.withConnection("node " + nodeId + " leaving", connection -> {
            try (PreparedStatement release = connection.prepareStatement(sql.releaseAll());
                    PreparedStatement leave = connection.prepareStatement(sql.leave())) {
                release.setString(1, nodeId);
                release.executeUpdate();
                leave.setString(1, nodeId);
                return leave.executeUpdate();
            }
        });
    }

    /**
     * Inside a batch's transaction: whether this node still holds {@code lease}; when it does, the lease row is
     * share-locked until the transaction ends (a takeover waits) and the transaction may idle at most half a
     * lease.
     */
    boolean hold(Connection connection, Lease lease) throws SQLException {
        try (PreparedStatement hold = connection.prepareStatement(sql.hold())) {
            hold.setString(1, idleLimit);
            bindLease(hold, 2, lease);
            try (ResultSet rows = hold.executeQuery()) {
                return rows.next();
            }
        }
    }

    /** Inside a batch's transaction, just before commit: whether {@code lease} is still this node's and unexpired. */
    boolean stillHeld(Connection connection, Lease lease) throws SQLException {
        try (PreparedStatement held = connection.prepareStatement(sql.stillHeld())) {
            bindLease(held, 1, lease);
            try (ResultSet rows = held.executeQuery()) {
                return rows.next();
            }
        }
    }

    /**
     * @return each of the {@code count} partitions' owner, in partition order: null when free, expired or not
     *         declared with this count (no node runs the projection in {@code count} partitions)
     */
    List<String> owners(String tenantId, String projection, int count) {
        return jdbc.withConnection("reading the leases of " + projection, connection -> {
            try (PreparedStatement owners = connection.prepareStatement(sql.owners())) {
                owners.setString(1, tenantId);
                owners.setString(2, projection);
                owners.setInt(3, count);
                List<String> result = new ArrayList<>(java.util.Collections.nCopies(count, null));
                try (ResultSet rows = owners.executeQuery()) {
                    while (rows.next()) {
                        result.set(rows.getInt(2), rows.getBoolean(4) ? rows.getString(3) : null);
                    }
                }
                return result;
            }
        });
    }

    private void bindLease(PreparedStatement statement, int first, Lease lease) throws SQLException {
        statement.setString(first, lease.key().tenantId());
        statement.setString(first + 1, lease.key().projection());
        statement.setString(first + 2, nodeId);
        statement.setLong(first + 3, lease.epoch());
    }

    /**
     * Asks the owners of {@code projection}'s leases, on every node, to retry their FAILED runners: each owner's
     * heartbeat sees the lease's counter grow.
     *
     * @return each lease's counter after this request
     */
    Map<CheckpointKey, Long> requestResume(String tenantId, String projection) {
        return jdbc.withConnection("asking the nodes to resume " + projection, connection -> {
            try (PreparedStatement request = connection.prepareStatement(sql.requestResume())) {
                request.setString(1, tenantId);
                request.setString(2, projection);
                Map<CheckpointKey, Long> counters = new HashMap<>();
                try (ResultSet rows = request.executeQuery()) {
                    while (rows.next()) {
                        counters.put(new CheckpointKey(rows.getString(1), rows.getString(2)), rows.getLong(3));
                    }
                }
                return counters;
            }
        });
    }

    private static List<HeldLease> leases(PreparedStatement statement) throws SQLException {
        List<HeldLease> leases = new ArrayList<>();
        try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                Lease lease = new Lease(new CheckpointKey(rows.getString(1), rows.getString(2)), rows.getLong(3));
                leases.add(new HeldLease(lease, rows.getLong(4)));
            }
        }
        return leases;
    }

    /**
     * A lease renewed or claimed, with how many resumes were asked for its projection so far.
     *
     * @param lease          the lease
     * @param resumeRequests the lease's resume counter, which only grows
     */
    record HeldLease(Lease lease, long resumeRequests) {}
}
