package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Read-your-writes by asking how far a projection got: {@link ProjectedWait}, behind {@link ProjectionHost}. */
class ProjectedWaitTest {

    private static final CheckpointKey KEY = CheckpointKey.of("balances");

    @Test
    void completesOnceTheProjectionHasGotToThePositionAndNotBefore() throws Exception {
        // given
        AtomicLong through = new AtomicLong(10);
        CompletableFuture<Long> waiting = ProjectedWait.await(KEY, through::get, 50, Duration.ofSeconds(10));
        // then
        assertThat(waiting).isNotDone();
        // when
        through.set(60);
        // then
        assertThat(waiting.get(15, TimeUnit.SECONDS)).isEqualTo(60);
    }

    @Test
    void aStoreThatCannotBeReachedEndsTheWaitAtOnceWithItsFailure() {
        TransientStoreException away = new TransientStoreException("store away", new IllegalStateException("down"));
        CompletableFuture<Long> waiting = ProjectedWait.await(
                KEY,
                () -> {
                    throw away;
                },
                7,
                Duration.ofSeconds(30));
        assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isSameAs(away);
    }

    @Test
    void timesOutCarryingHowFarTheProjectionGot() {
        assertThatThrownBy(() -> ProjectedWait.await(KEY, () -> 4, 9, Duration.ofMillis(50))
                        .get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(CheckpointTimeoutException.class)
                .hasMessageContaining("'balances' has not reached position 9")
                .hasMessageContaining("its checkpoint is 4")
                .satisfies(e -> assertThat(((CheckpointTimeoutException) e).checkpoint())
                        .isEqualTo(4));
    }

    @Test
    void refusesABadPositionOrTimeoutBeforeWaiting() {
        assertThatThrownBy(() -> ProjectedWait.await(KEY, () -> 0, -2, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-2");
        assertThatThrownBy(() -> ProjectedWait.await(KEY, () -> 0, 1, Duration.ofHours(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("timeout");
    }
}
