package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.projection.TestEvents.Deposited;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * How a projection works with a store that holds statements back: it names the event each handler works
 * for, flushes after the last one, and charges a statement that fails later to the event that issued it.
 */
class PendingStatementsTest {

    /** Records what the runner tells it; fails its flush, or the handler of one event, when told to. */
    private static final class Recording implements PendingStatements {
        final List<String> calls = new ArrayList<>();
        DeferredStatementException failAtFlush;

        @Override
        public void owner(int eventIndex) {
            calls.add("owner " + eventIndex);
        }

        @Override
        public void flush() {
            calls.add("flush");
            if (failAtFlush != null) {
                throw failAtFlush;
            }
        }
    }

    private final Recording pending = new Recording();
    private final List<Envelope> batch = IntStream.range(0, 4)
            .mapToObj(i -> new Envelope(10 + i, "a", i, "Deposited", Instant.EPOCH, Map.of(), new Deposited("a", i)))
            .toList();

    @Test
    void namesTheEventOfEachHandlerCallAndFlushesAfterTheLast() throws Exception {
        // given
        Projection<InMemoryTransaction> projection = Projection.<InMemoryTransaction>builder("p")
                .on(Deposited.class, (e, env, tx) -> pending.calls.add("handle " + env.position()))
                .build();

        // when
        projection.apply(batch, new InMemoryTransaction(), pending);

        // then
        assertThat(pending.calls)
                .containsExactly(
                        "owner 0",
                        "handle 10",
                        "owner 1",
                        "handle 11",
                        "owner 2",
                        "handle 12",
                        "owner 3",
                        "handle 13",
                        "flush");
    }

    @Test
    void aStatementFailingWhileALaterEventIsHandledIsChargedToTheEventThatIssuedIt() {
        // given: the handler of the fourth event sends what is held back; the second event's statement fails
        Projection<InMemoryTransaction> projection = Projection.<InMemoryTransaction>builder("p")
                .on(Deposited.class, (e, env, tx) -> {
                    if (env.position() == 13) {
                        throw new DeferredStatementException(
                                "held-back statement failed", 1, new IllegalStateException("duplicate key"));
                    }
                })
                .build();

        // when / then
        assertThatThrownBy(() -> projection.apply(batch, new InMemoryTransaction(), pending))
                .isInstanceOfSatisfying(EventApplyException.class, e -> {
                    assertThat(e.index()).isEqualTo(1);
                    assertThat(e.envelope().position()).isEqualTo(11);
                })
                .hasMessageContaining("position 11")
                .hasRootCauseMessage("duplicate key");
    }

    @Test
    void aStatementFailingAtTheLastFlushIsChargedToTheEventThatIssuedIt() {
        // given
        Projection<InMemoryTransaction> projection = Projection.<InMemoryTransaction>builder("p")
                .on(Deposited.class, (e, env, tx) -> {})
                .build();
        pending.failAtFlush = new DeferredStatementException("affected 0 rows", 2, new IllegalStateException("0"));

        // when / then
        assertThatThrownBy(() -> projection.apply(batch, new InMemoryTransaction(), pending))
                .isInstanceOfSatisfying(
                        EventApplyException.class, e -> assertThat(e.index()).isEqualTo(2));
    }

    @Test
    void aFailureThatNamesNoEventIsChargedToNone() {
        // given: a batch handler's statement fails when sent; nothing says which event it served
        Projection<InMemoryTransaction> projection = Projection.<InMemoryTransaction>builder("p")
                .onBatch((events, tx) -> pending.calls.add("batch of " + events.size()))
                .build();
        pending.failAtFlush = new DeferredStatementException(
                "failed", DeferredStatementException.UNKNOWN_EVENT, new IllegalStateException("x"));

        // when / then
        assertThatThrownBy(() -> projection.apply(batch, new InMemoryTransaction(), pending))
                .isSameAs(pending.failAtFlush);
        assertThat(pending.calls).containsExactly("owner -1", "batch of 4", "flush");
    }

    @Test
    void refusesAnEventIndexBelowUnknown() {
        assertThatThrownBy(() -> new DeferredStatementException("x", -2, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-2");
    }
}
