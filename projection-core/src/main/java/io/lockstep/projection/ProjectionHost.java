package io.lockstep.projection;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A process's share of projections that run on several nodes: it starts and stops the runners of the
 * partitions it holds (which change as nodes join, leave and fail) and operates each projection as a whole,
 * on every node at once. projection-postgres implements it ({@code ProjectionNode}, leases in PostgreSQL);
 * projection-vertx deploys it ({@code ProjectionVerticle.forHost}). Thread-safe.
 */
public interface ProjectionHost extends AutoCloseable {

    /** @return this node's id, unique among live nodes */
    String nodeId();

    /** Joins the other nodes and starts running this node's share. Blocks on the database: not on an event loop. */
    void start();

    /** Stops this node's runners (batches in flight commit or roll back) and hands its partitions over. Idempotent. */
    @Override
    void close();

    /** @return the names of the projections this host runs partitions of */
    List<String> projections();

    /** @return the runners of the partitions this node runs now */
    List<ProjectionRunner> runners();

    /** @return every partition of {@code projection}, whichever node runs it; reads the database */
    List<PartitionStatus> status(String projection);

    /**
     * @return the partitions of {@code projection} that no live node holds now, in partition order; one short read
     *         of the database (what a health check needs, without {@link #status}'s checkpoints and head)
     */
    List<Partition> unowned(String projection);

    /**
     * @return the position up to which every partition of {@code projection} has applied every event of its own,
     *         whichever node runs it: the log's head once all have caught up (a partition's checkpoint moves with
     *         its own events only, so no checkpoint alone says this); reads the database
     */
    long projectedThrough(String projection);

    /**
     * Read-your-writes for a partitioned projection: a future that completes once {@link #projectedThrough} has
     * reached {@code position} (for example one an append returned), whichever nodes run the partitions, so a
     * read of the read model afterwards reflects it. The question is asked again every few milliseconds on a
     * virtual thread of its own; this method never blocks, so a Vert.x handler may call it and continue with
     * {@code Future.fromCompletionStage(host.awaitProjected(...), context)}.
     *
     * @param timeout at most 1 hour
     * @return a future completing with how far the projection got (at least {@code position}), or failing with a
     *         {@link CheckpointTimeoutException} carrying how far it got when the time ran out, or at once with the
     *         store's {@link TransientStoreException} when it cannot be reached
     * @throws IllegalArgumentException for a projection this host does not run, a position below -1 or a timeout
     *                                  out of range; nothing waits
     */
    default CompletableFuture<Long> awaitProjected(String projection, long position, Duration timeout) {
        if (!projections().contains(projection)) {
            throw new IllegalArgumentException(
                    "projection '" + projection + "' is not run by node " + nodeId() + "; it runs " + projections());
        }
        return ProjectedWait.await(CheckpointKey.of(projection), () -> projectedThrough(projection), position, timeout);
    }

    /** Pauses every partition of {@code projection}, on every node. */
    void pause(String projection);

    /**
     * Resumes every partition of {@code projection}, on every node, and retries each FAILED partition from its
     * checkpoint (see {@link ProjectionRunner#resume()}): this node's at once, other nodes' at their next
     * heartbeat. A pause given after the resume holds.
     */
    void resume(String projection);

    /** Replays {@code projection}: its reset handler and every partition's checkpoint to -1, in one transaction. */
    void replay(String projection);

    /** Sets every partition's checkpoint of {@code projection} to {@code position}, in one transaction. */
    void resetTo(String projection, long position);
}
