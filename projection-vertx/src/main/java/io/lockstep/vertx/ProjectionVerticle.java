package io.lockstep.vertx;

import io.lockstep.projection.ProjectionHost;
import io.lockstep.projection.ProjectionRunner;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.List;
import java.util.Objects;

/**
 * Runs projections inside a Vert.x application. Each runner's loop runs on a virtual thread of its own, so
 * JDBC never touches an event loop; the verticle only starts and stops them.
 *
 * <pre>{@code
 * ProjectionManagement management = ProjectionManagement.create(vertx);
 * vertx.deployVerticle(() -> new ProjectionVerticle(management, List.of(
 *         ProjectionRunner.builder(balances, store, eventLog).build())), new DeploymentOptions());
 * }</pre>
 *
 * <p>Undeploying stops every runner gracefully (a batch in flight commits or rolls back, never half) and
 * the stop future completes only then. Deploying several instances (or the same projection in several
 * verticles or processes) is safe: the checkpoint guard lets exactly one runner commit each batch.
 * Runners are single-use: give each verticle instance new ones (a factory lambda).
 */
public final class ProjectionVerticle extends VerticleBase {

    private final ProjectionManagement management;
    private final List<ProjectionRunner> runners;
    /** Set instead of runners for a verticle that runs this process's share of partitioned projections. */
    private final ProjectionHost host;

    /**
     * A verticle whose runners operators can see and control through {@code management}.
     *
     * @param management where the runners are registered while the verticle is deployed
     * @param runners    new, not started runners
     * @throws NullPointerException for a null management: use {@link #unmanaged(List)} for a verticle without one
     */
    public ProjectionVerticle(ProjectionManagement management, List<ProjectionRunner> runners) {
        this(
                runners,
                Objects.requireNonNull(
                        management,
                        "management (for a verticle without management use"
                                + " ProjectionVerticle.unmanaged(runners))"));
    }

    /** @param management null for none */
    private ProjectionVerticle(List<ProjectionRunner> runners, ProjectionManagement management) {
        this.management = management;
        this.runners = List.copyOf(Objects.requireNonNull(runners, "runners"));
        this.host = null;
        if (this.runners.isEmpty()) {
            throw new IllegalArgumentException("a ProjectionVerticle needs at least one ProjectionRunner");
        }
    }

    private ProjectionVerticle(ProjectionManagement management, ProjectionHost host) {
        this.management = Objects.requireNonNull(management, "management");
        this.host = Objects.requireNonNull(host, "host");
        this.runners = List.of();
    }

    /**
     * A verticle that runs this process's share of projections spread over several nodes, e.g. a
     * {@code ProjectionNode}: deploying the same verticle in several processes on one database makes them share
     * the partitions. Starting joins the nodes and stopping hands this node's partitions over, both on a worker
     * thread; {@code management} shows every partition (owner, checkpoint) and acts on each projection as a whole.
     *
     * @param host a new, not started host; single-use like runners
     */
    public static ProjectionVerticle forHost(ProjectionManagement management, ProjectionHost host) {
        return new ProjectionVerticle(management, host);
    }

    /**
     * A verticle that runs {@code runners} without registering them with a {@link ProjectionManagement}: their
     * status is still available from the runners themselves.
     *
     * @param runners new, not started runners
     */
    public static ProjectionVerticle unmanaged(List<ProjectionRunner> runners) {
        return new ProjectionVerticle(runners, null);
    }

    @Override
    public Future<?> start() {
        if (host != null) {
            return vertx.executeBlocking(
                    () -> {
                        host.start();
                        management.register(host);
                        return null;
                    },
                    false);
        }
        for (ProjectionRunner runner : runners) {
            runner.start(); // spawns the runner's virtual thread; returns at once
            if (management != null) {
                management.register(runner);
            }
        }
        return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
        if (host != null) {
            management.unregister(host);
            return vertx.executeBlocking(
                    () -> {
                        host.close();
                        return null;
                    },
                    false);
        }
        if (management != null) {
            runners.forEach(management::unregister);
        }
        // Stopping waits for batches in flight: off the event loop, in parallel.
        return vertx.executeBlocking(
                () -> {
                    List<Thread> stoppers = runners.stream()
                            .map(runner ->
                                    Thread.ofVirtual().name("lockstep-stop").start(runner::stop))
                            .toList();
                    for (Thread stopper : stoppers) {
                        stopper.join();
                    }
                    return null;
                },
                false);
    }
}
