package io.lockstep.example.accounts.app;

import io.lockstep.postgres.ProjectionNode;
import java.time.Duration;
import java.util.Objects;

/**
 * How this process takes part in running the {@code accounts} projection with the application's other processes
 * on the same database: its node id and the projection's partition count (every process must give the same
 * count; a changed count re-partitions the projection once no process runs the old one).
 *
 * @param nodeId     this process's id among the live ones; unique
 * @param partitions the projection's partitions: a power of two, 1..1024
 * @param lease      how long a process killed without stopping keeps its partitions, 1 s..5 min; the node renews
 *                   its leases every fifth of it
 */
public record NodeSettings(String nodeId, int partitions, Duration lease) {

    /** Default of {@code --lease}: {@link ProjectionNode#DEFAULT_LEASE}, 10 s (renewed every 2 s). */
    public static final Duration DEFAULT_LEASE = ProjectionNode.DEFAULT_LEASE;

    /**
     * Default of {@code --partitions}: 4. Enough to share the work over up to four {@code serve} processes (two
     * share it two and two), few enough that one process alone runs them at little cost: each partition is one
     * more runner, transaction and connection. A power of two, so that it can be split or merged later without a
     * rebuild.
     */
    public static final int DEFAULT_PARTITIONS = 4;

    /** Checks the values, naming them and the fix. */
    public NodeSettings {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(lease, "lease");
        if (lease.compareTo(Duration.ofSeconds(1)) < 0 || lease.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("--lease " + lease.toMillis() + "ms makes no sense; use 1s..5m"
                    + " (default " + DEFAULT_LEASE.toSeconds() + "s)");
        }
        if (nodeId.isBlank() || nodeId.indexOf('\0') >= 0 || nodeId.length() > 200) {
            throw new IllegalArgumentException("--node-id '" + nodeId.replace('\0', '?') + "' makes no sense; give a"
                    + " name of 1 to 200 characters, unique among the processes on this database, e.g. accounts-1");
        }
        if (partitions < 1 || partitions > 1024 || Integer.bitCount(partitions) != 1) {
            throw new IllegalArgumentException("--partitions " + partitions + " makes no sense; use a power of two"
                    + " from 1 to 1024 (1, 2, 4, 8, ...; default " + DEFAULT_PARTITIONS + "), the same in every"
                    + " process on this database");
        }
    }

    /** @return this process's default: host name and process id, and {@link #DEFAULT_PARTITIONS} */
    public static NodeSettings defaults() {
        return new NodeSettings(ProjectionNode.defaultNodeId(), DEFAULT_PARTITIONS, DEFAULT_LEASE);
    }

    /** @return how often the node renews its leases and rebalances: a fifth of the lease */
    public Duration heartbeat() {
        return lease.dividedBy(5);
    }

    /** @return the connections the projection's pool needs: one per partition run here, and three more */
    public int projectionConnections() {
        return Math.min(partitions, 16) + 3;
    }
}
