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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;

/**
 * Publishes projection metrics to Micrometer. Pass it to the runner's builder, {@code .listener(metrics)}:
 * as a {@link ProjectionListener} it counts events and failures and times batches, and when the runner is
 * built it registers gauges read from the runner's status at scrape time ({@link #bind(ProjectionRunner)},
 * which runners built with another listener can call themselves). Meters, all tagged {@code projection} and {@code tenant}:
 * <ul>
 *   <li>{@code lockstep.projection.events} (counter): events committed;</li>
 *   <li>{@code lockstep.projection.batch.duration} (timer): read to commit;</li>
 *   <li>{@code lockstep.projection.batch.size} (summary): events per batch;</li>
 *   <li>{@code lockstep.projection.failures} (counter, tag {@code kind}: transient (the environment's: the
 *       runner is STALLED), handler, conflict, poison);</li>
 *   <li>{@code lockstep.projection.lag.events}, {@code lockstep.projection.lag.seconds},
 *       {@code lockstep.projection.checkpoint}, {@code lockstep.projection.head} (gauges; head and lag stay
 *       current while the runner is blocked, stalled, paused or FAILED);</li>
 *   <li>{@code lockstep.projection.stalled.seconds} (gauge): how long the projection has been STALLED, 0 when
 *       it is not;</li>
 *   <li>{@code lockstep.projection.state} (gauge, one per state, 1 for the current one: STARTING,
 *       CATCHING_UP, LIVE, PAUSED, STALLED, FAILED, STOPPED).</li>
 * </ul>
 * Thread-safe.
 */
public final class ProjectionMetrics implements ProjectionListener {

    private final MeterRegistry registry;
    private final Map<Tags, CopyOnWriteArrayList<ProjectionRunner>> bound = new ConcurrentHashMap<>();

    /** @param registry where the meters go */
    public ProjectionMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** Registers the gauges of a runner built with this listener: the same as {@link #bind(ProjectionRunner)}. */
    @Override
    public void attached(ProjectionRunner runner) {
        bind(runner);
    }

    /**
     * Adds {@code runner} to the gauges of its projection (once: binding a bound runner again changes nothing). Several runners of one projection (verticle
     * instances) share the gauges: lag and checkpoint show the largest value, each state gauge counts the
     * runners in that state. Call {@link #unbind} when the runner is stopped for good.
     */
    public void bind(ProjectionRunner runner) {
        Tags tags = tags(runner.status());
        bound.computeIfAbsent(tags, t -> {
                    CopyOnWriteArrayList<ProjectionRunner> runners = new CopyOnWriteArrayList<>();
                    register(t, runners);
                    return runners;
                })
                .addIfAbsent(runner);
    }

    /** Removes {@code runner} from its projection's gauges. */
    public void unbind(ProjectionRunner runner) {
        List<ProjectionRunner> runners = bound.get(tags(runner.status()));
        if (runners != null) {
            runners.remove(runner);
        }
    }

    private void register(Tags tags, List<ProjectionRunner> runners) {
        Gauge.builder("lockstep.projection.lag.events", runners, rs -> max(rs, s -> s.lagEvents()))
                .tags(tags)
                .description("events between the checkpoint and the head")
                .register(registry);
        Gauge.builder("lockstep.projection.lag.seconds", runners, rs -> max(rs, ProjectionStatus::lagSeconds))
                .tags(tags)
                .description("age of the oldest event read but not yet committed")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("lockstep.projection.checkpoint", runners, rs -> max(rs, s -> s.checkpoint()))
                .tags(tags)
                .register(registry);
        Gauge.builder("lockstep.projection.head", runners, rs -> max(rs, s -> s.headPosition()))
                .tags(tags)
                .description("newest position in the event source")
                .register(registry);
        Gauge.builder("lockstep.projection.stalled.seconds", runners, rs -> max(rs, ProjectionMetrics::stalledSeconds))
                .tags(tags)
                .description("how long the projection has been retrying a failure of its store or source")
                .baseUnit("seconds")
                .register(registry);
        for (ProjectionState state : ProjectionState.values()) {
            Gauge.builder(
                            "lockstep.projection.state",
                            runners,
                            rs -> rs.stream()
                                    .filter(r -> r.status().state() == state)
                                    .count())
                    .tags(tags.and("state", state.name()))
                    .description("runners in this state")
                    .register(registry);
        }
    }

    private static double stalledSeconds(ProjectionStatus status) {
        return status.stall()
                .map(stall ->
                        Duration.between(stall.since(), java.time.Instant.now()).toMillis() / 1000.0)
                .orElse(0.0);
    }

    private static double max(List<ProjectionRunner> runners, ToDoubleFunction<ProjectionStatus> value) {
        return runners.stream()
                .mapToDouble(r -> value.applyAsDouble(r.status()))
                .max()
                .orElse(Double.NaN);
    }

    @Override
    public void batchCommitted(ProjectionStatus status, int events, Duration duration) {
        Tags tags = tags(status);
        Counter.builder("lockstep.projection.events")
                .tags(tags)
                .register(registry)
                .increment(events);
        Timer.builder("lockstep.projection.batch.duration")
                .tags(tags)
                .register(registry)
                .record(duration);
        DistributionSummary.builder("lockstep.projection.batch.size")
                .tags(tags)
                .register(registry)
                .record(events);
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
        Counter.builder("lockstep.projection.failures")
                .tags(tags(status).and("kind", kind))
                .register(registry)
                .increment();
    }

    private static Tags tags(ProjectionStatus status) {
        return Tags.of("projection", status.name(), "tenant", status.tenantId());
    }
}
