package io.lockstep.postgres;

import io.lockstep.projection.CheckpointKey;
import io.lockstep.projection.Partition;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's heartbeat duty: on every tick it renews the node and its leases, stops the runners of leases it
 * lost, retries its FAILED runners whose projection was resumed on any node since, gives up partitions beyond
 * its share, claims free or expired ones up to its share, and starts their runners. Ticks run one at a time on
 * one scheduler thread; a runner that finds its lease lost asks for a tick at once.
 */
final class LeaseKeeper {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);

    /** Builds the runner of a leased partition. */
    @FunctionalInterface
    interface RunnerFactory {
        ProjectionRunner create(ProjectionNode.Declared declared, Partition partition, Lease lease, Runnable onLost);
    }

    private record Running(Lease lease, ProjectionRunner runner) {}

    private final NodeLeases leases;
    private final Map<String, ProjectionNode.Declared> declared;
    private final RunnerFactory factory;
    private final Duration heartbeat;
    private final Map<CheckpointKey, Running> running = new ConcurrentHashMap<>();
    /** The resume counter of each running lease as last seen: a higher one asks its runner to retry. */
    private final Map<CheckpointKey, Long> resumesSeen = new ConcurrentHashMap<>();

    private final PartitionHandover handover;
    /** Projections whose partitions have this node's count: re-partitioned if needed, version reconciled. */
    private final Set<String> ready = ConcurrentHashMap.newKeySet();

    private ScheduledExecutorService scheduler;

    LeaseKeeper(
            NodeLeases leases,
            PartitionHandover handover,
            Map<String, ProjectionNode.Declared> declared,
            RunnerFactory factory,
            Duration heartbeat) {
        this.leases = leases;
        this.handover = handover;
        this.declared = declared;
        this.factory = factory;
        this.heartbeat = heartbeat;
    }

    synchronized void start() {
        if (scheduler != null) {
            throw new IllegalStateException("node '" + leases.nodeId() + "' is already started");
        }
        declared.values().forEach(this::prepare); // fails here for bad versions, before anything runs
        scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofVirtual().name("lockstep-node-" + leases.nodeId()).factory());
        scheduler.scheduleWithFixedDelay(this::safeTick, 0, heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    }

    synchronized void stop() {
        if (scheduler == null || scheduler.isShutdown()) {
            return;
        }
        scheduler.shutdown();
        try {
            if (!scheduler.awaitTermination(1, TimeUnit.MINUTES)) {
                LOG.warn("node '{}': a heartbeat did not end within a minute", leases.nodeId());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running.values().forEach(r -> r.runner().stop());
        running.clear();
        resumesSeen.clear();
        try {
            leases.leave();
        } catch (RuntimeException e) {
            LOG.warn(
                    "node '{}' could not give up its leases ({}); they expire after a lease period",
                    leases.nodeId(),
                    e.toString());
        }
    }

    List<CheckpointKey> running() {
        return List.copyOf(running.keySet());
    }

    List<ProjectionRunner> runners() {
        return running.values().stream().map(Running::runner).toList();
    }

    Optional<ProjectionStatus> localStatus(CheckpointKey key) {
        Running r = running.get(key);
        return r == null ? Optional.empty() : Optional.of(r.runner().status());
    }

    private void safeTick() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.warn("node '{}': heartbeat failed, retrying at the next one: {}", leases.nodeId(), e.toString());
        }
    }

    /** Asks for a tick now (a runner found its lease lost); ignored once stopped. */
    private void tickSoon() {
        ScheduledExecutorService s = scheduler;
        if (s != null && !s.isShutdown()) {
            try {
                s.execute(this::safeTick);
            } catch (java.util.concurrent.RejectedExecutionException ignored) {
                // stopping: the runners are being stopped anyway
            }
        }
    }

    private void tick() {
        java.util.SortedMap<String, List<String>> live = leases.heartbeat(List.copyOf(declared.keySet()));
        Map<CheckpointKey, Lease> held = new HashMap<>();
        Map<CheckpointKey, Long> resumes = new HashMap<>();
        for (NodeLeases.HeldLease h : leases.renew()) {
            held.put(h.lease().key(), h.lease());
            resumes.put(h.lease().key(), h.resumeRequests());
        }
        stopLost(held);
        retryResumed(resumes);
        Set<CheckpointKey> wanted = new HashSet<>();
        for (ProjectionNode.Declared d : declared.values()) {
            if (prepare(d)) {
                wanted.addAll(balance(d, live, held, resumes));
            }
        }
        for (Lease stray : held.values()) {
            if (!wanted.contains(stray.key())) {
                stopAndRelease(stray); // a partition no declared projection has (another partition count)
            }
        }
    }

    /**
     * Once per projection: re-partitions it to this node's count when it has another (once no live node runs the
     * other count), declares its leases and reconciles its version.
     *
     * @return true when this node may claim its partitions
     */
    private boolean prepare(ProjectionNode.Declared d) {
        String name = d.set().projection().name();
        if (ready.contains(name)) {
            return true;
        }
        if (!handover.handOver(
                CheckpointKey.NO_TENANT, name, d.set().partitions().size())) {
            LOG.info(
                    "node '{}' waits for the nodes running another partition count of '{}' to stop",
                    leases.nodeId(),
                    name);
            return false;
        }
        leases.declare(CheckpointKey.NO_TENANT, name, d.set().partitions());
        d.set().reconcileVersion();
        ready.add(name);
        return true;
    }

    /**
     * Retries the runners whose lease's resume counter grew since last seen: an operator resumed the projection,
     * maybe through another node. Only a FAILED state ends ({@link ProjectionRunner#retry()}); a pause is the
     * store's and is left as it is now.
     */
    private void retryResumed(Map<CheckpointKey, Long> resumes) {
        resumes.forEach((key, requests) -> {
            Running r = running.get(key);
            Long seen = r == null ? null : resumesSeen.get(key);
            if (r != null) {
                resumesSeen.merge(key, requests, Math::max);
            }
            if (seen != null && requests > seen) {
                LOG.info("node '{}' retries {}: the projection was resumed", leases.nodeId(), key);
                r.runner().retry();
            }
        });
    }

    /**
     * Records resume counters this node raised itself ({@code ProjectionNode.resume}, which resumes its own
     * runners at once), so its next heartbeat does not retry them a second time.
     */
    void noteResumes(Map<CheckpointKey, Long> counters) {
        counters.forEach((key, requests) -> {
            if (running.containsKey(key)) {
                resumesSeen.merge(key, requests, Math::max);
            }
        });
    }

    private void stopLost(Map<CheckpointKey, Lease> held) {
        for (Running r : new ArrayList<>(running.values())) {
            if (!r.lease().equals(held.get(r.lease().key()))) {
                LOG.info(
                        "node '{}' lost the lease of {}; stopping its runner",
                        leases.nodeId(),
                        r.lease().key());
                r.runner().stop();
                running.remove(r.lease().key());
                resumesSeen.remove(r.lease().key());
            }
        }
    }

    /** Keeps this node's share of {@code d}'s partitions; @return the keys it holds after */
    private Set<CheckpointKey> balance(
            ProjectionNode.Declared d,
            java.util.SortedMap<String, List<String>> live,
            Map<CheckpointKey, Lease> held,
            Map<CheckpointKey, Long> resumes) {
        String name = d.set().projection().name();
        List<Partition> partitions = d.set().partitions();
        List<Lease> mine = new ArrayList<>();
        for (Partition p : partitions) {
            Lease lease = held.get(d.set().key(p));
            if (lease != null) {
                mine.add(lease);
            }
        }
        int target = share(name, partitions.size(), live);
        while (mine.size() > target) {
            stopAndRelease(mine.removeLast());
        }
        if (mine.size() < target) {
            for (NodeLeases.HeldLease h :
                    leases.claim(CheckpointKey.NO_TENANT, name, partitions.size(), target - mine.size())) {
                mine.add(h.lease());
                resumes.put(h.lease().key(), h.resumeRequests());
            }
        }
        Set<CheckpointKey> keys = new HashSet<>();
        for (Lease lease : mine) {
            keys.add(lease.key());
            if (!running.containsKey(lease.key())) {
                Partition partition = partitions.stream()
                        .filter(p -> d.set().key(p).equals(lease.key()))
                        .findFirst()
                        .orElseThrow();
                ProjectionRunner runner = factory.create(d, partition, lease, this::tickSoon);
                running.put(lease.key(), new Running(lease, runner));
                resumesSeen.put(lease.key(), resumes.getOrDefault(lease.key(), 0L));
                runner.start();
                LOG.info("node '{}' runs {} (epoch {})", leases.nodeId(), lease.key(), lease.epoch());
            }
        }
        return keys;
    }

    /**
     * This node's even share of a projection's partitions among the live nodes that run it (sorted by id): floor
     * or ceil; which nodes take the ceil rotates with the projection's name, so several projections spread too.
     */
    private int share(String projection, int partitions, java.util.SortedMap<String, List<String>> all) {
        List<String> live = all.entrySet().stream()
                .filter(e -> e.getValue().contains(projection))
                .map(Map.Entry::getKey)
                .toList();
        int nodes = live.size();
        int index = live.indexOf(leases.nodeId());
        if (nodes == 0 || index < 0) {
            return 0; // not registered yet: claim nothing until it is
        }
        int rank = Math.floorMod(index - projection.hashCode(), nodes);
        return partitions / nodes + (rank < partitions % nodes ? 1 : 0);
    }

    private void stopAndRelease(Lease lease) {
        Running r = running.remove(lease.key());
        resumesSeen.remove(lease.key());
        if (r != null) {
            r.runner().stop();
        }
        leases.release(lease);
        LOG.info("node '{}' handed {} over", leases.nodeId(), lease.key());
    }
}
