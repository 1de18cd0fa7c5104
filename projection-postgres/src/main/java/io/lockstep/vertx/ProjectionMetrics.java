package io.lockstep.vertx;

import io.lockstep.projection.ProjectionListener;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.ProjectionStatus;
import io.lockstep.projection.StepResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Objects;

/**
 * Publishes projection metrics to Micrometer. As a {@link ProjectionListener} (pass it to the runner's
 * builder) it counts events and failures and times batches; {@link #bind(ProjectionRunner)} adds gauges
 * read from the runner's status at scrape time. Meters, all tagged {@code projection} and {@code tenant}:
 * <ul>
 *   <li>{@code lockstep.projection.events} (counter): events committed;</li>
 *   <li>{@code lockstep.projection.batch.duration} (timer): read to commit;</li>
 *   <li>{@code lockstep.projection.batch.size} (summary): events per batch;</li>
 *   <li>{@code lockstep.projection.failures} (counter, tag {@code kind}: transient, handler, conflict, poison);</li>
 *   <li>{@code lockstep.projection.lag.events}, {@code lockstep.projection.lag.seconds},
 *       {@code lockstep.projection.checkpoint} (gauges);</li>
 *   <li>{@code lockstep.projection.state} (gauge, one per state, 1 for the current one).</li>
 * </ul>
 * Thread-safe.
 */
public final class ProjectionMetrics implements ProjectionListener {

    private final MeterRegistry registry;

    /** @param registry where the meters go */
    public ProjectionMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** Registers the gauges of {@code runner}. */
    public void bind(ProjectionRunner runner) {
        Tags tags = tags(runner.status());
        Gauge.builder("lockstep.projection.lag.events", runner, r -> r.status().lagEvents()).tags(tags)
                .description("events between the checkpoint and the head").register(registry);
        Gauge.builder("lockstep.projection.lag.seconds", runner, r -> r.status().lagSeconds()).tags(tags)
                .description("age of the oldest unprocessed event, roughly").baseUnit("seconds").register(registry);
        Gauge.builder("lockstep.projection.checkpoint", runner, r -> r.status().checkpoint()).tags(tags)
                .register(registry);
        for (ProjectionState state : ProjectionState.values()) {
            Gauge.builder("lockstep.projection.state", runner, r -> r.status().state() == state ? 1 : 0)
                    .tags(tags.and("state", state.name())).register(registry);
        }
    }

    @Override
    public void batchCommitted(ProjectionStatus status, int events, Duration duration) {
        Tags tags = tags(status);
        Counter.builder("lockstep.projection.events").tags(tags).register(registry).increment(events);
        Timer.builder("lockstep.projection.batch.duration").tags(tags).register(registry).record(duration);
        DistributionSummary.builder("lockstep.projection.batch.size").tags(tags).register(registry).record(events);
    }

    @Override
    public void batchFailed(ProjectionStatus status, StepResult result) {
        String kind = switch (result) {
            case StepResult.Retrying retrying -> retrying.transientFailure() ? "transient" : "handler";
            case StepResult.Conflict conflict -> "conflict";
            case StepResult.Skipped skipped -> "poison";
            case StepResult.Failed failed -> "poison";
            default -> "other";
        };
        Counter.builder("lockstep.projection.failures").tags(tags(status).and("kind", kind)).register(registry)
                .increment();
    }

    private static Tags tags(ProjectionStatus status) {
        return Tags.of("projection", status.name(), "tenant", status.tenantId());
    }
}
