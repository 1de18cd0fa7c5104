package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.projection.TestEvents.Deposited;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Read-your-writes across partitions: {@link PartitionSet#awaitCheckpoint} completes once every partition has
 * processed a position, also the partitions that have no event up to it and whose checkpoints stay below it.
 */
class PartitionedAwaitCheckpointTest {

    private final InMemoryProjectionStore store = ProjectionStore.inMemory();
    private final InMemoryEventSource log = new InMemoryEventSource();
    private final PartitionedEventSource source = new InMemoryPartitions(log);
    private final Projection<InMemoryTransaction> projection = Projection.<InMemoryTransaction>builder("balances")
            .on(Deposited.class, (event, envelope, tx) -> { })
            .build();
    private final PartitionSet<InMemoryTransaction> partitions = PartitionSet.of(projection, store, "", 4);

    @Test
    void completesOnceEveryPartitionHasProcessedThePositionAndNotBefore() throws Exception {
        // given: events of streams in several partitions, and a wait for the last position
        long last = -1;
        for (int i = 0; i < 40; i++) {
            last = log.append("acc-" + i, new Deposited("acc-" + i, 1)).position();
        }
        CompletableFuture<Long> waiting = partitions.awaitCheckpoint(source, last, Duration.ofSeconds(10));

        // when: all partitions but one catch up
        List<Partition> all = partitions.partitions();
        Partition lastOne = all.stream().filter(p -> p.containsStream("acc-39")).findFirst().orElseThrow();
        for (Partition partition : all) {
            if (!partition.equals(lastOne)) {
                runner(partition).catchUp();
            }
        }

        // then: the wait goes on while the partition holding the position is behind
        assertThat(waiting).isNotDone();
        assertThat(store.readCheckpoint(partitions.key(all.stream().filter(p -> !p.equals(lastOne)).findFirst()
                .orElseThrow())).position()).as("another partition's checkpoint stays below the position")
                .isLessThan(last);

        // when: it catches up too
        runner(lastOne).catchUp();

        // then
        assertThat(waiting.get(15, TimeUnit.SECONDS)).isEqualTo(last);
    }

    @Test
    void completesForAPositionNoPartitionHasEventsUpTo() throws Exception {
        assertThat(partitions.awaitCheckpoint(source, -1, Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS))
                .isEqualTo(-1);
    }

    @Test
    void timesOutNamingAPartitionThatIsBehind() {
        // given: an event nobody projects
        long position = log.append("acc-1", new Deposited("acc-1", 1)).position();
        Partition holder = partitions.partitions().stream().filter(p -> p.containsStream("acc-1")).findFirst()
                .orElseThrow();

        // when / then
        assertThatThrownBy(() -> partitions.awaitCheckpoint(source, position, Duration.ofMillis(100))
                .get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(CheckpointTimeoutException.class)
                .hasMessageContaining(partitions.key(holder).toString())
                .hasMessageContaining("has not reached position " + position);
    }

    @Test
    void refusesABadPositionOrTimeoutBeforeWaiting() {
        assertThatThrownBy(() -> partitions.awaitCheckpoint(source, -2, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-2");
        assertThatThrownBy(() -> partitions.awaitCheckpoint(source, 1, Duration.ofHours(2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
    }

    private ProjectionRunner runner(Partition partition) {
        return partitions.runner(partition, store, source.partition(partition)).build();
    }

    /** The in-memory log served by partition: each partition reads the events of its streams. */
    private record InMemoryPartitions(InMemoryEventSource log) implements PartitionedEventSource {

        @Override
        public EventSource partition(Partition partition) {
            return new EventSource() {
                @Override
                public List<Envelope> read(long afterPosition, int maxEvents) {
                    return log.read(afterPosition, Integer.MAX_VALUE).stream()
                            .filter(e -> partition.containsStream(e.streamId())).limit(maxEvents).toList();
                }

                @Override
                public long headPosition() {
                    return log.headPosition();
                }

                @Override
                public boolean awaitEvents(long afterPosition, Duration timeout) throws InterruptedException {
                    return log.awaitEvents(afterPosition, timeout);
                }
            };
        }

        @Override
        public List<Envelope> read(long afterPosition, int maxEvents) {
            return log.read(afterPosition, maxEvents);
        }

        @Override
        public long headPosition() {
            return log.headPosition();
        }

        @Override
        public boolean awaitEvents(long afterPosition, Duration timeout) throws InterruptedException {
            return log.awaitEvents(afterPosition, timeout);
        }
    }
}
