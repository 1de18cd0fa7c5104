package io.lockstep.vertx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.projection.ProjectionError;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.ProjectionStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ProjectionHealthTest {

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-26T12:00:00Z"));
    private final ProjectionHealth health = new ProjectionHealth(Duration.ofSeconds(30), Duration.ofMinutes(2),
            () -> now.get());

    private static ProjectionStatus status(ProjectionState state, double lagSeconds) {
        Optional<ProjectionError> error = state == ProjectionState.FAILED
                ? Optional.of(new ProjectionError(7, "FundsDeposited", "a", "poison at 7", new IllegalStateException(),
                Instant.EPOCH))
                : Optional.empty();
        return new ProjectionStatus("balances", "", 1, state, 5, 5 + (long) lagSeconds, (long) lagSeconds, 5, error,
                Optional.empty(), lagSeconds, 0);
    }

    @Test
    void isUpWhenEveryProjectionKeepsUp() {
        assertThat(health.check(List.of(status(ProjectionState.LIVE, 0))).level()).isEqualTo(ProjectionHealth.Level.UP);
    }

    @Test
    void isDownWhenAProjectionFailedNamingIt() {
        ProjectionHealth.Report report = health.check(List.of(status(ProjectionState.FAILED, 0)));

        assertThat(report.level()).isEqualTo(ProjectionHealth.Level.DOWN);
        assertThat(report.problems()).singleElement().asString().contains("balances FAILED").contains("poison at 7");
    }

    @Test
    void degradesOnlyAfterTheLagOutlastsTheGracePeriod() {
        assertThat(health.check(List.of(status(ProjectionState.CATCHING_UP, 60))).level())
                .isEqualTo(ProjectionHealth.Level.UP);
        now.set(now.get().plus(Duration.ofMinutes(1)));
        assertThat(health.check(List.of(status(ProjectionState.CATCHING_UP, 60))).level())
                .isEqualTo(ProjectionHealth.Level.UP);
        now.set(now.get().plus(Duration.ofMinutes(1)));
        assertThat(health.check(List.of(status(ProjectionState.CATCHING_UP, 60))).level())
                .isEqualTo(ProjectionHealth.Level.DEGRADED);
        assertThat(health.check(List.of(status(ProjectionState.LIVE, 0))).level()).isEqualTo(ProjectionHealth.Level.UP);
    }

    @Test
    void refusesNonsensicalBounds() {
        assertThatThrownBy(() -> new ProjectionHealth(Duration.ZERO, Duration.ZERO, InstantSource.system()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxLag PT0S");
    }
}
