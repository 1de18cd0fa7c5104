package io.lockstep.projection;

import java.util.List;

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
     * @return the position up to which every partition of {@code projection} has applied every event of its own,
     *         whichever node runs it: the log's head once all have caught up (a partition's checkpoint moves with
     *         its own events only, so no checkpoint alone says this); reads the database
     */
    long projectedThrough(String projection);

    /** Pauses every partition of {@code projection}, on every node. */
    void pause(String projection);

    /** Resumes every partition of {@code projection}, on every node. */
    void resume(String projection);

    /** Replays {@code projection}: its reset handler and every partition's checkpoint to -1, in one transaction. */
    void replay(String projection);

    /** Sets every partition's checkpoint of {@code projection} to {@code position}, in one transaction. */
    void resetTo(String projection, long position);
}
