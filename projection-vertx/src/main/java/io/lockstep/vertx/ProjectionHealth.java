package io.lockstep.vertx;

import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.ProjectionStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Judges projection health: {@link Level#DOWN} when a projection is FAILED (or a registered runner has
 * STOPPED); {@link Level#DEGRADED} when its
 * lag has stayed above {@code maxLag} for longer than {@code gracePeriod} (a replay or a burst may lag
 * briefly); else {@link Level#UP}. Thread-safe.
 */
public final class ProjectionHealth {

    /** Default of the lag bound. */
    public static final Duration DEFAULT_MAX_LAG = Duration.ofSeconds(30);
    /** Default of the grace period. */
    public static final Duration DEFAULT_GRACE_PERIOD = Duration.ofMinutes(2);

    /** The verdict, worst last. */
    public enum Level { UP, DEGRADED, DOWN }

    /**
     * A health verdict.
     *
     * @param level    the worst level over all projections
     * @param problems one line per projection that is not UP
     */
    public record Report(Level level, List<String> problems) {
    }

    private final Duration maxLag;
    private final Duration gracePeriod;
    private final InstantSource clock;
    private final Map<String, Instant> laggingSince = new HashMap<>();

    /**
     * @param maxLag      lag (in time) above which a projection counts as behind (default 30 s), > 0
     * @param gracePeriod how long it may stay behind before the health degrades (default 2 min), >= 0
     */
    public ProjectionHealth(Duration maxLag, Duration gracePeriod, InstantSource clock) {
        this.maxLag = Objects.requireNonNull(maxLag, "maxLag");
        this.gracePeriod = Objects.requireNonNull(gracePeriod, "gracePeriod");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxLag.isNegative() || maxLag.isZero()) {
            throw new IllegalArgumentException("maxLag " + maxLag + " makes no sense; use a positive duration"
                    + " (default " + DEFAULT_MAX_LAG + ")");
        }
        if (gracePeriod.isNegative()) {
            throw new IllegalArgumentException("gracePeriod " + gracePeriod + " makes no sense; use >= 0 (default "
                    + DEFAULT_GRACE_PERIOD + ")");
        }
    }

    /** @return a health judge with the defaults and the system clock */
    public static ProjectionHealth withDefaults() {
        return new ProjectionHealth(DEFAULT_MAX_LAG, DEFAULT_GRACE_PERIOD, InstantSource.system());
    }

    /**
     * Judges {@code statuses}, remembering since when each projection lags. Several runners of one projection
     * (verticle instances) count as one: FAILED or STOPPED if any is, lagging by the largest lag.
     */
    public synchronized Report check(List<ProjectionStatus> statuses) {
        Instant now = clock.instant();
        Level level = Level.UP;
        List<String> problems = new ArrayList<>();
        Map<String, ProjectionStatus> worst = new java.util.TreeMap<>();
        for (ProjectionStatus status : statuses) {
            worst.merge(status.tenantId() + "/" + status.name(), status, ProjectionHealth::worse);
        }
        for (Map.Entry<String, ProjectionStatus> entry : worst.entrySet()) {
            String id = entry.getKey();
            ProjectionStatus status = entry.getValue();
            if (status.state() == ProjectionState.FAILED || status.state() == ProjectionState.STOPPED) {
                level = Level.DOWN;
                problems.add(status.name() + " " + status.state() + ": "
                        + status.lastError().map(e -> e.message()).orElse("its runner is not running"));
                continue;
            }
            if (status.lagSeconds() * 1000 > maxLag.toMillis()) {
                Instant since = laggingSince.computeIfAbsent(id, k -> now);
                if (Duration.between(since, now).compareTo(gracePeriod) >= 0) {
                    level = level == Level.DOWN ? level : Level.DEGRADED;
                    problems.add(status.name() + " lags " + Math.round(status.lagSeconds()) + " s (" + status.lagEvents()
                            + " events) since " + since);
                }
            } else {
                laggingSince.remove(id);
            }
        }
        return new Report(level, List.copyOf(problems));
    }

    private static ProjectionStatus worse(ProjectionStatus a, ProjectionStatus b) {
        boolean aDown = a.state() == ProjectionState.FAILED || a.state() == ProjectionState.STOPPED;
        boolean bDown = b.state() == ProjectionState.FAILED || b.state() == ProjectionState.STOPPED;
        if (aDown != bDown) {
            return aDown ? a : b;
        }
        return a.lagSeconds() >= b.lagSeconds() ? a : b;
    }
}
