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
    private final ProjectionHealth health =
            new ProjectionHealth(Duration.ofSeconds(30), Duration.ofMinutes(2), () -> now.get());

    private static ProjectionStatus status(ProjectionState state, double lagSeconds) {
        Optional<ProjectionError> error = state == ProjectionState.FAILED
                ? Optional.of(new ProjectionError(
                        7, "FundsDeposited", "a", "poison at 7", new IllegalStateException(), Instant.EPOCH))
                : Optional.empty();
        return new ProjectionStatus(
                "balances",
                "",
                1,
                state,
                5,
                5 + (long) lagSeconds,
                (long) lagSeconds,
                5,
                error,
                Optional.empty(),
                lagSeconds,
                0,
                Optional.empty(),
                Optional.empty(),
                List.of());
    }

    /** A runner STALLED since {@code since}, 40 events behind. */
    private static ProjectionStatus stalled(Instant since) {
        ProjectionError error =
                new ProjectionError(-1, "", "", "connection refused", new IllegalStateException(), since);
        return new ProjectionStatus(
                "balances",
                "",
                1,
                ProjectionState.STALLED,
                5,
                45,
                40,
                5,
                Optional.of(error),
                Optional.empty(),
                12,
                0,
                Optional.of(new ProjectionStatus.Stall(since, 3, since.plusSeconds(20))),
                Optional.empty(),
                List.of());
    }

    /** A LIVE runner whose step has been in flight since {@code since}. */
    private static ProjectionStatus busy(Instant since) {
        return new ProjectionStatus(
                "balances",
                "",
                1,
                ProjectionState.LIVE,
                5,
                6,
                1,
                5,
                Optional.empty(),
                Optional.empty(),
                1,
                0,
                Optional.empty(),
                Optional.of(since),
                List.of());
    }

    @Test
    void isUpWhenEveryProjectionKeepsUp() {
        assertThat(health.check(List.of(status(ProjectionState.LIVE, 0))).level())
                .isEqualTo(ProjectionHealth.Level.UP);
    }

    @Test
    void isDownWhenAProjectionFailedNamingIt() {
        ProjectionHealth.Report report = health.check(List.of(status(ProjectionState.FAILED, 0)));

        assertThat(report.level()).isEqualTo(ProjectionHealth.Level.DOWN);
        assertThat(report.problems())
                .singleElement()
                .asString()
                .contains("balances FAILED")
                .contains("poison at 7");
    }

    @Test
    void degradesOnlyAfterTheLagOutlastsTheGracePeriod() {
        assertThat(health.check(List.of(status(ProjectionState.CATCHING_UP, 60)))
                        .level())
                .isEqualTo(ProjectionHealth.Level.UP);
        now.set(now.get().plus(Duration.ofMinutes(1)));
        assertThat(health.check(List.of(status(ProjectionState.CATCHING_UP, 60)))
                        .level())
                .isEqualTo(ProjectionHealth.Level.UP);
        now.set(now.get().plus(Duration.ofMinutes(1)));
        assertThat(health.check(List.of(status(ProjectionState.CATCHING_UP, 60)))
                        .level())
                .isEqualTo(ProjectionHealth.Level.DEGRADED);
        assertThat(health.check(List.of(status(ProjectionState.LIVE, 0))).level())
                .isEqualTo(ProjectionHealth.Level.UP);
    }

    @Test
    void isUpWhileAStallIsYoungerThanTheBoundAndDownOnceItLastsThatLong() {
        Instant since = now.get();
        assertThat(health.check(List.of(stalled(since))).level()).isEqualTo(ProjectionHealth.Level.UP);

        now.set(since.plus(ProjectionHealth.DEFAULT_STALL_BOUND));
        ProjectionHealth.Report report = health.check(List.of(stalled(since)));

        assertThat(report.level()).isEqualTo(ProjectionHealth.Level.DOWN);
        assertThat(report.problems())
                .singleElement()
                .asString()
                .contains("balances STALLED for 10 s")
                .contains("attempt 3")
                .contains("40 events behind")
                .contains("connection refused");
    }

    @Test
    void isUpAgainByItselfOnceTheStallEnds() {
        Instant since = now.get();
        now.set(since.plusSeconds(60));
        assertThat(health.check(List.of(stalled(since))).level()).isEqualTo(ProjectionHealth.Level.DOWN);

        assertThat(health.check(List.of(status(ProjectionState.LIVE, 0))).level())
                .isEqualTo(ProjectionHealth.Level.UP);
    }

    @Test
    void degradesWhenOneStepHasBeenBusyForTheBound() {
        Instant since = now.get();
        assertThat(health.check(List.of(busy(since))).level()).isEqualTo(ProjectionHealth.Level.UP);

        now.set(since.plusSeconds(15));
        ProjectionHealth.Report report = health.check(List.of(busy(since)));

        assertThat(report.level()).isEqualTo(ProjectionHealth.Level.DEGRADED);
        assertThat(report.problems()).singleElement().asString().contains("busy with one step for 15 s");
    }

    @Test
    void aStalledRunnerOutweighsAHealthyRunnerOfTheSameProjection() {
        Instant since = now.get();
        now.set(since.plusSeconds(30));

        assertThat(health.check(List.of(status(ProjectionState.LIVE, 0), stalled(since)))
                        .level())
                .isEqualTo(ProjectionHealth.Level.DOWN);
    }

    @Test
    void theStallBoundIsConfigurable() {
        ProjectionHealth strict = ProjectionHealth.builder()
                .stallBound(Duration.ZERO)
                .clock(now::get)
                .build();

        assertThat(strict.check(List.of(stalled(now.get()))).level()).isEqualTo(ProjectionHealth.Level.DOWN);
        assertThatThrownBy(() -> ProjectionHealth.builder().stallBound(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stallBound PT-1S");
    }

    @Test
    void refusesNonsensicalBounds() {
        assertThatThrownBy(() -> new ProjectionHealth(Duration.ZERO, Duration.ZERO, InstantSource.system()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxLag PT0S");
    }
}
