package io.lockstep.postgres;

import io.lockstep.postgres.internal.JdbcConnections;
import io.lockstep.projection.CheckpointKey;
import io.lockstep.projection.Partition;
import io.lockstep.projection.PartitionSet;
import io.lockstep.projection.PartitionStatus;
import io.lockstep.projection.PartitionedEventSource;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionHost;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.StoredCheckpoint;
import io.lockstep.projection.internal.Arguments;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * A process that runs projections, split into partitions, together with the application's other nodes, with
 * PostgreSQL as the only coordinator. Each partition (and each projection of 1 partition) is leased: a node
 * runs a partition only while it holds the partition's lease, renews its leases by heartbeat, and takes an
 * even share (floor or ceil) of every projection's partitions among the live nodes; a node that joins, leaves,
 * stops or dies moves partitions within about two heartbeats, a dead node's within one lease period and a
 * heartbeat. Batches are fenced by the lease in their own transaction (see {@code LeaseFencedStore}) and by
 * the checkpoint's compare-and-set, so a node that lost a lease never commits for it.
 *
 * <p>Operations act on every partition of a projection: {@link #pause}, {@link #resume}, {@link #replay}
 * (one transaction), {@link #resetTo}; versions are reconciled for all partitions at {@link #start()}.
 * A projection's partitions are shared among the live nodes that declare it (nodes may run different sets of
 * projections); nodes declaring one projection with different partition counts re-partition it only once no node
 * runs the old count (see {@code PartitionHandover}). Thread-safe.
 */
public final class ProjectionNode implements ProjectionHost {

    /** Default of {@link Builder#lease(Duration)}. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);
    /** Default of {@link Builder#heartbeat(Duration)}. */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(2);

    private final String nodeId;
    private final PostgresProjectionStore store;
    private final PartitionedEventSource source;
    private final NodeLeases leases;
    private final Map<String, Declared> declared;
    private final LeaseKeeper keeper;
    private final PartitionHandover handover;
    private final ProjectedPosition projected;

    /** A projection this node runs partitions of, and how to build their runners. */
    record Declared(
            PartitionSet<PostgresTransaction> set, Consumer<ProjectionRunner.Builder<PostgresTransaction>> options) {}

    private ProjectionNode(Builder builder) {
        this.nodeId = builder.nodeId;
        this.store = builder.store;
        this.source = builder.source;
        this.leases = new NodeLeases(
                new JdbcConnections(builder.dataSource, "PostgreSQL leases '" + store.schema() + "'"),
                LeaseSql.forSchema(store.schema()),
                nodeId,
                builder.lease);
        this.declared = Map.copyOf(builder.declared);
        this.handover = new PartitionHandover(store);
        this.projected = new ProjectedPosition(store, source, handover);
        this.keeper = new LeaseKeeper(leases, handover, declared, this::fencedRunner, builder.heartbeat);
    }

    /**
     * Starts configuring a node.
     *
     * @param dataSource where the lease tables are (the store's database)
     * @param store      the projection store
     * @param source     the event log, e.g. {@code PostgresEventLog}
     */
    public static Builder builder(DataSource dataSource, PostgresProjectionStore store, PartitionedEventSource source) {
        return new Builder(dataSource, store, source);
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    /**
     * Prepares every projection and starts the heartbeat, which claims this node's share at once. Preparing a
     * projection re-partitions it when its checkpoints have another partition count and no live node runs that
     * count any more (else the node waits for them to stop, checking at every heartbeat; see
     * {@code PartitionHandover}), declares its leases and brings every partition to its version (see
     * {@link PartitionSet#reconcileVersion()}).
     *
     * @throws IllegalStateException when already started
     * @throws io.lockstep.projection.LockstepException when a read model was built by a newer version
     */
    @Override
    public void start() {
        keeper.start();
    }

    /**
     * Stops every runner of this node (each lets its batch in flight commit or roll back), then gives up its
     * leases and leaves, so the other nodes take its partitions over at their next heartbeat. Idempotent.
     */
    @Override
    public void close() {
        keeper.stop();
    }

    /** @return the checkpoints this node runs now */
    public List<CheckpointKey> running() {
        return keeper.running();
    }

    @Override
    public List<ProjectionRunner> runners() {
        return keeper.runners();
    }

    /** @return every partition of {@code projection}: owner, stored checkpoint, and the local runner's status */
    @Override
    public List<PartitionStatus> status(String projection) {
        Declared d = declaredOrFail(projection);
        List<Partition> partitions = d.set().partitions();
        List<String> owners = leases.owners(CheckpointKey.NO_TENANT, projection, partitions.size());
        long head = source.headPosition();
        List<PartitionStatus> result = new ArrayList<>();
        long beforeFirst = Long.MIN_VALUE;
        for (Partition p : partitions) {
            StoredCheckpoint stored = store.readCheckpoint(d.set().key(p));
            if (stored.position() == -1 && beforeFirst == Long.MIN_VALUE) {
                beforeFirst = beforeFirstEvent(head);
            }
            long base = stored.position() == -1 ? beforeFirst : stored.position();
            result.add(new PartitionStatus(
                    projection,
                    p,
                    Optional.ofNullable(owners.get(p.index())),
                    stored.position(),
                    head,
                    Math.max(0, head - base),
                    stored.paused(),
                    keeper.localStatus(d.set().key(p))));
        }
        return result;
    }

    @Override
    public List<Partition> unowned(String projection) {
        List<Partition> partitions = declaredOrFail(projection).set().partitions();
        List<String> owners = leases.owners(CheckpointKey.NO_TENANT, projection, partitions.size());
        return partitions.stream().filter(p -> owners.get(p.index()) == null).toList();
    }

    /**
     * @return the position before the log's first event (what a checkpoint of -1 counts its lag from: this log's
     *         positions start at 1), or {@code head} when the log is empty
     */
    private long beforeFirstEvent(long head) {
        List<io.lockstep.projection.Envelope> first = source.read(-1, 1);
        return first.isEmpty() ? head : first.getFirst().position() - 1;
    }

    /**
     * How far {@code projection} has got as a whole, whichever nodes run its partitions: every event at or before
     * the returned position has been applied, in every partition. A partition's checkpoint moves with its own
     * events only, so this is not the smallest checkpoint: it is the log's head when every partition has caught
     * up, else the position before the first event some partition has still to apply. A client that got position
     * {@code p} from an append reads its own write once this is at least {@code p}. Reads the database (one
     * checkpoint and at most a few index reads of the log per partition); it may lag a batch committing
     * meanwhile, never lead. Works before {@link #start()} too.
     *
     * @throws IllegalArgumentException for a projection this node does not declare
     */
    @Override
    public long projectedThrough(String projection) {
        return projected.of(declaredOrFail(projection).set());
    }

    /** @return the names of the projections this node declares */
    @Override
    public List<String> projections() {
        return List.copyOf(declared.keySet());
    }

    /**
     * Pauses every partition of {@code projection}, on every node: stored in one transaction; this node's runners
     * are woken to see it at once (one waiting out a stall's backoff too), the others' at their next step.
     */
    @Override
    public void pause(String projection) {
        PartitionSet<PostgresTransaction> set = declaredOrFail(projection).set();
        set.setPaused(true);
        Set<CheckpointKey> keys = set.partitions().stream().map(set::key).collect(Collectors.toSet());
        keeper.runners().stream().filter(r -> keys.contains(r.key())).forEach(ProjectionRunner::pause);
    }

    /**
     * Resumes every partition of {@code projection}, on every node, and retries the FAILED ones from their
     * checkpoints ({@link ProjectionRunner#resume()}): once the cause is fixed they go on. This node's runners
     * retry at once; another node's retry at its next heartbeat ({@link Builder#heartbeat}), which sees the
     * resume counter on the partition's lease grow.
     */
    @Override
    public void resume(String projection) {
        PartitionSet<PostgresTransaction> set = declaredOrFail(projection).set();
        set.setPaused(false);
        Set<CheckpointKey> keys = set.partitions().stream().map(set::key).collect(Collectors.toSet());
        keeper.noteResumes(leases.requestResume(CheckpointKey.NO_TENANT, projection));
        keeper.runners().stream().filter(r -> keys.contains(r.key())).forEach(ProjectionRunner::resume);
    }

    /**
     * Replays {@code projection}: reset handler and every partition's checkpoint to -1 in one transaction, which
     * also forgets what merged partitions skipped.
     */
    @Override
    public void replay(String projection) {
        PartitionSet<PostgresTransaction> set = declaredOrFail(projection).set();
        List<String> names =
                set.partitions().stream().map(p -> set.key(p).projection()).toList();
        set.replay(tx -> handover.forget(tx, CheckpointKey.NO_TENANT, names));
    }

    /** Sets every partition's checkpoint of {@code projection} to {@code position}, in one transaction. */
    @Override
    public void resetTo(String projection, long position) {
        declaredOrFail(projection).set().resetTo(position);
    }

    private Declared declaredOrFail(String projection) {
        Declared d = declared.get(Objects.requireNonNull(projection, "projection"));
        if (d == null) {
            throw new IllegalArgumentException("node '" + nodeId + "' runs no projection named '" + projection
                    + "'; it runs " + declared.keySet());
        }
        return d;
    }

    private ProjectionRunner fencedRunner(Declared d, Partition partition, Lease lease, Runnable onLost) {
        LeaseFencedStore fenced = new LeaseFencedStore(store, leases, lease, onLost);
        String checkpoint = lease.key().projection();
        SkippingSource partitionSource = new SkippingSource(
                source.partition(partition), () -> handover.skips(lease.key().tenantId(), checkpoint));
        ProjectionRunner.Builder<PostgresTransaction> builder = d.set().runner(partition, fenced, partitionSource);
        d.options().accept(builder);
        return builder.build();
    }

    /**
     * The partition count the nodes that run {@code projection} on {@code store}'s database declared, for tools
     * that look at a projection without running it: the count live nodes hold leases of, else the only one
     * recorded. Reads the database.
     *
     * @return empty when no node ever ran it partitioned, or while a re-partitioning waits and no node runs it
     */
    public static java.util.OptionalInt declaredPartitions(PostgresProjectionStore store, String projection) {
        Objects.requireNonNull(store, "store");
        CheckpointKey.of(projection); // validates the name
        return new PartitionHandover(store).declaredCount(CheckpointKey.NO_TENANT, projection);
    }

    /** @return the default node id: host name and process id, e.g. {@code app-3:4711} */
    public static String defaultNodeId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return host + ":" + ProcessHandle.current().pid();
    }

    /** Configures a {@link ProjectionNode}; each setter validates its value. */
    public static final class Builder {
        private final DataSource dataSource;
        private final PostgresProjectionStore store;
        private final PartitionedEventSource source;
        private final Map<String, Declared> declared = new LinkedHashMap<>();
        private String nodeId = defaultNodeId();
        private Duration lease = DEFAULT_LEASE;
        private Duration heartbeat = DEFAULT_HEARTBEAT;

        private Builder(DataSource dataSource, PostgresProjectionStore store, PartitionedEventSource source) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            this.store = Objects.requireNonNull(store, "store");
            this.source = Objects.requireNonNull(source, "source");
        }

        /** @param nodeId this node's id, unique among live nodes (default {@link #defaultNodeId()}) */
        public Builder nodeId(String nodeId) {
            this.nodeId = Arguments.requireName(nodeId, "nodeId");
            return this;
        }

        /**
         * @param lease how long a lease lasts unless renewed, 1 s..5 min (default 10 s): a dead node's
         *              partitions move after at most this plus one heartbeat
         */
        public Builder lease(Duration lease) {
            this.lease = range("lease", lease, Duration.ofSeconds(1), Duration.ofMinutes(5), DEFAULT_LEASE);
            return this;
        }

        /**
         * @param heartbeat how often the node renews its leases and rebalances, 100 ms..1 min (default 2 s); at
         *                  most a third of the lease, checked by {@link #build()}
         */
        public Builder heartbeat(Duration heartbeat) {
            this.heartbeat =
                    range("heartbeat", heartbeat, Duration.ofMillis(100), Duration.ofMinutes(1), DEFAULT_HEARTBEAT);
            return this;
        }

        /** Runs {@code projection} in {@code partitions} partitions with the runners' default options. */
        public Builder projection(Projection<PostgresTransaction> projection, int partitions) {
            return projection(projection, partitions, runner -> {});
        }

        /**
         * Runs {@code projection} in {@code partitions} partitions (a power of two, 1..1024).
         *
         * @param options sets each partition runner's options (batch size, listener, ...); called once per
         *                runner built, also after a takeover
         */
        public Builder projection(
                Projection<PostgresTransaction> projection,
                int partitions,
                Consumer<ProjectionRunner.Builder<PostgresTransaction>> options) {
            Objects.requireNonNull(options, "options");
            if (declared.containsKey(projection.name())) {
                throw new IllegalArgumentException("projection '" + projection.name() + "' is declared twice");
            }
            declared.put(
                    projection.name(),
                    new Declared(PartitionSet.of(projection, store, CheckpointKey.NO_TENANT, partitions), options));
            return this;
        }

        /** @return a node, not started */
        public ProjectionNode build() {
            if (declared.isEmpty()) {
                throw new IllegalStateException("node '" + nodeId + "' declares no projection; add .projection(...)");
            }
            if (heartbeat.multipliedBy(3).compareTo(lease) > 0) {
                throw new IllegalStateException("heartbeat " + heartbeat + " is more than a third of the lease " + lease
                        + ": leases could expire between renewals; shorten the heartbeat or lengthen the lease");
            }
            return new ProjectionNode(this);
        }

        private static Duration range(String name, Duration value, Duration min, Duration max, Duration dflt) {
            Objects.requireNonNull(value, name);
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(
                        name + " " + value + " makes no sense; use " + min + ".." + max + " (default " + dflt + ")");
            }
            return value;
        }
    }
}
