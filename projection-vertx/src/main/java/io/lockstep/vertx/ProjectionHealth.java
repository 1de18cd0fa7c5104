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
import java.util.Optional;

/**
 * Judges projection health, worst first:
 * <ul>
 *   <li>{@link Level#DOWN} when a projection is FAILED, a registered runner has STOPPED, or a projection has
 *       been STALLED (unable to use its store or source) for {@code stallBound} or longer: its read model is
 *       not being updated and cannot be until the environment is fixed. It turns UP again by itself once the
 *       runner gets through.</li>
 *   <li>{@link Level#DEGRADED} when one step of a projection has been busy for {@code stallBound} or longer
 *       (blocked on a lock, waiting for a connection: not yet failed, but not moving), or when its lag has
 *       stayed above {@code maxLag} for {@code gracePeriod} (a replay or a burst may lag briefly).</li>
 *   <li>else {@link Level#UP}.</li>
 * </ul>
 * Thread-safe.
 */
public final class ProjectionHealth {

    /** Default of the lag bound. */
    public static final Duration DEFAULT_MAX_LAG = Duration.ofSeconds(30);
    /** Default of the grace period. */
    public static final Duration DEFAULT_GRACE_PERIOD = Duration.ofMinutes(2);
    /** Default of the stall bound. */
    public static final Duration DEFAULT_STALL_BOUND = Duration.ofSeconds(10);

    /** The verdict, worst last. */
    public enum Level {
        UP,
        DEGRADED,
        DOWN
    }

    /**
     * A health verdict.
     *
     * @param level    the worst level over all projections
     * @param problems one line per projection that is not UP
     */
    public record Report(Level level, List<String> problems) {}

    private final Duration maxLag;
    private final Duration gracePeriod;
    private final Duration stallBound;
    private final InstantSource clock;
    private final Map<String, Instant> laggingSince = new HashMap<>();

    /**
     * Same as {@code builder().maxLag(maxLag).gracePeriod(gracePeriod).clock(clock).build()}.
     *
     * @param maxLag      lag (in time) above which a projection counts as behind (default 30 s), > 0
     * @param gracePeriod how long it may stay behind before the health degrades (default 2 min), >= 0
     */
    public ProjectionHealth(Duration maxLag, Duration gracePeriod, InstantSource clock) {
        this(builder().maxLag(maxLag).gracePeriod(gracePeriod).clock(clock));
    }

    private ProjectionHealth(Builder builder) {
        this.maxLag = builder.maxLag;
        this.gracePeriod = builder.gracePeriod;
        this.stallBound = builder.stallBound;
        this.clock = builder.clock;
    }

    /** @return a health judge with the defaults and the system clock */
    public static ProjectionHealth withDefaults() {
        return builder().build();
    }

    /** @return a builder starting from the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Judges {@code statuses}, remembering since when each projection lags. Several runners of one projection
     * (verticle instances) count as one, judged by the worst of them.
     */
    public synchronized Report check(List<ProjectionStatus> statuses) {
        Instant now = clock.instant();
        Map<String, ProjectionStatus> worst = new java.util.TreeMap<>();
        for (ProjectionStatus status : statuses) {
            worst.merge(status.tenantId() + "/" + status.name(), status, (a, b) -> worse(a, b, now));
        }
        Level level = Level.UP;
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, ProjectionStatus> entry : worst.entrySet()) {
            ProjectionStatus status = entry.getValue();
            Optional<String> down = down(status, now);
            Optional<String> degraded = down.isPresent() ? Optional.empty() : degraded(entry.getKey(), status, now);
            if (down.isPresent()) {
                level = Level.DOWN;
                problems.add(down.get());
            } else if (degraded.isPresent()) {
                level = level == Level.DOWN ? level : Level.DEGRADED;
                problems.add(degraded.get());
            }
        }
        return new Report(level, List.copyOf(problems));
    }

    private Optional<String> down(ProjectionStatus status, Instant now) {
        if (status.state() == ProjectionState.FAILED || status.state() == ProjectionState.STOPPED) {
            return Optional.of(status.name() + " " + status.state() + ": "
                    + status.lastError().map(e -> e.message()).orElse("its runner is not running"));
        }
        return status.stall()
                .filter(stall -> !stall.since().plus(stallBound).isAfter(now))
                .map(stall ->
                        status.name() + " STALLED for " + seconds(stall.since(), now) + " s (since " + stall.since()
                                + ", attempt " + stall.attempts() + ", next at " + stall.nextAttempt() + "), "
                                + status.lagEvents() + " events behind: "
                                + status.lastError().map(e -> e.message()).orElse("its store or source fails"));
    }

    private Optional<String> degraded(String id, ProjectionStatus status, Instant now) {
        Optional<Instant> busy =
                status.busySince().filter(since -> !since.plus(stallBound).isAfter(now));
        if (busy.isPresent()) {
            return Optional.of(status.name() + " has been busy with one step for " + seconds(busy.get(), now)
                    + " s (since " + busy.get() + "), " + status.lagEvents() + " events behind: waiting for its"
                    + " store or source (a lock, a connection)?");
        }
        if (status.lagSeconds() * 1000 <= maxLag.toMillis()) {
            laggingSince.remove(id);
            return Optional.empty();
        }
        Instant since = laggingSince.computeIfAbsent(id, k -> now);
        if (Duration.between(since, now).compareTo(gracePeriod) < 0) {
            return Optional.empty();
        }
        return Optional.of(status.name() + " lags " + Math.round(status.lagSeconds()) + " s (" + status.lagEvents()
                + " events) since " + since);
    }

    private static long seconds(Instant since, Instant now) {
        return Duration.between(since, now).toSeconds();
    }

    private int severity(ProjectionStatus status, Instant now) {
        if (down(status, now).isPresent()) {
            return 3;
        }
        return status.busySince()
                        .filter(since -> !since.plus(stallBound).isAfter(now))
                        .isPresent()
                ? 2
                : 1;
    }

    private ProjectionStatus worse(ProjectionStatus a, ProjectionStatus b, Instant now) {
        int bySeverity = Integer.compare(severity(a, now), severity(b, now));
        if (bySeverity != 0) {
            return bySeverity > 0 ? a : b;
        }
        return a.lagSeconds() >= b.lagSeconds() ? a : b;
    }

    /** Configures a {@link ProjectionHealth}; every setter validates its value. */
    public static final class Builder {
        private Duration maxLag = DEFAULT_MAX_LAG;
        private Duration gracePeriod = DEFAULT_GRACE_PERIOD;
        private Duration stallBound = DEFAULT_STALL_BOUND;
        private InstantSource clock = InstantSource.system();

        private Builder() {}

        /** @param maxLag lag (in time) above which a projection counts as behind, > 0 (default 30 s) */
        public Builder maxLag(Duration maxLag) {
            Objects.requireNonNull(maxLag, "maxLag");
            if (maxLag.isNegative() || maxLag.isZero()) {
                throw new IllegalArgumentException("maxLag " + maxLag + " makes no sense; use a positive duration"
                        + " (default " + DEFAULT_MAX_LAG + ")");
            }
            this.maxLag = maxLag;
            return this;
        }

        /** @param gracePeriod how long a projection may stay behind before the health degrades, >= 0 (default 2 min) */
        public Builder gracePeriod(Duration gracePeriod) {
            Objects.requireNonNull(gracePeriod, "gracePeriod");
            if (gracePeriod.isNegative()) {
                throw new IllegalArgumentException("gracePeriod " + gracePeriod + " makes no sense; use >= 0 (default "
                        + DEFAULT_GRACE_PERIOD + ")");
            }
            this.gracePeriod = gracePeriod;
            return this;
        }

        /**
         * @param stallBound how long a projection may be STALLED before the health is DOWN, and one step busy
         *                   before it is DEGRADED, >= 0 (default 10 s): long enough to ride out a failover or a
         *                   lost race, short enough to page someone while the read model is not updated
         */
        public Builder stallBound(Duration stallBound) {
            Objects.requireNonNull(stallBound, "stallBound");
            if (stallBound.isNegative()) {
                throw new IllegalArgumentException(
                        "stallBound " + stallBound + " makes no sense; use >= 0 (default " + DEFAULT_STALL_BOUND + ")");
            }
            this.stallBound = stallBound;
            return this;
        }

        /** @param clock the clock the bounds are measured with (default: the system clock) */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** @return the health judge */
        public ProjectionHealth build() {
            return new ProjectionHealth(this);
        }
    }
}
