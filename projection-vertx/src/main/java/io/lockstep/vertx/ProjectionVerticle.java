package io.lockstep.vertx;

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

    /**
     * @param management where the runners are registered for operators, or null for none
     * @param runners    new, not started runners
     */
    public ProjectionVerticle(ProjectionManagement management, List<ProjectionRunner> runners) {
        this.management = management;
        this.runners = List.copyOf(Objects.requireNonNull(runners, "runners"));
        if (this.runners.isEmpty()) {
            throw new IllegalArgumentException("a ProjectionVerticle needs at least one ProjectionRunner");
        }
    }

    @Override
    public Future<?> start() {
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
        if (management != null) {
            runners.forEach(management::unregister);
        }
        // Stopping waits for batches in flight: off the event loop, in parallel.
        return vertx.executeBlocking(() -> {
            List<Thread> stoppers = runners.stream()
                    .map(runner -> Thread.ofVirtual().name("lockstep-stop").start(runner::stop))
                    .toList();
            for (Thread stopper : stoppers) {
                stopper.join();
            }
            return null;
        }, false);
    }
}
