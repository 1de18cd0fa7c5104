package io.lockstep.projection.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void doublesUpToTheMaximum() {
        Duration max = Duration.ofMillis(500);
        assertThat(Backoff.doubled(Duration.ofMillis(100), max)).isEqualTo(Duration.ofMillis(200));
        assertThat(Backoff.doubled(Duration.ofMillis(200), max)).isEqualTo(Duration.ofMillis(400));
        assertThat(Backoff.doubled(Duration.ofMillis(400), max)).isEqualTo(max);
        assertThat(Backoff.doubled(max, max)).isEqualTo(max);
    }

    @Test
    void afterAttemptsStartsAtTheInitialPauseAndNeverOverflows() {
        Duration max = Duration.ofSeconds(10);
        assertThat(Backoff.after(1, Duration.ofMillis(100), max)).isEqualTo(Duration.ofMillis(100));
        assertThat(Backoff.after(4, Duration.ofMillis(100), max)).isEqualTo(Duration.ofMillis(800));
        assertThat(Backoff.after(Integer.MAX_VALUE, Duration.ofMillis(100), max))
                .isEqualTo(max);
        assertThat(Backoff.after(3, Duration.ZERO, max)).isZero();
    }
}
