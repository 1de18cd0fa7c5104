package io.lockstep.projection;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.projection.TestEvents.Deposited;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A store written with the five methods of {@link SimpleProjectionStore} keeps the whole SPI's contract, and
 * runners on it apply every event once.
 */
class SimpleProjectionStoreContractTest extends ProjectionStoreContract<InMemoryTransaction> {

    private static final MapProjectionStore STORE = new MapProjectionStore();

    @Override
    protected ProjectionStore<InMemoryTransaction> store() {
        return STORE;
    }

    @Test
    void twoRacingRunnersOnTheStoreApplyEveryEventOnce() throws Exception {
        // given
        InMemoryEventSource source = new InMemoryEventSource();
        for (int i = 0; i < 500; i++) {
            source.append("account-" + (i % 7), new Deposited("account-" + (i % 7), 1));
        }
        Map<Long, Integer> applied = new ConcurrentHashMap<>();
        Projection<InMemoryTransaction> projection = Projection.<InMemoryTransaction>builder(key.projection())
                .on(
                        Deposited.class,
                        (event, envelope, tx) -> tx.stage(() -> applied.merge(envelope.position(), 1, Integer::sum)))
                .build();

        // when
        try (ExecutorService threads = Executors.newFixedThreadPool(2)) {
            CompletableFuture<?> one = CompletableFuture.supplyAsync(() -> catchUp(projection, source, 9), threads);
            CompletableFuture<?> two = CompletableFuture.supplyAsync(() -> catchUp(projection, source, 13), threads);
            CompletableFuture.allOf(one, two).get(60, TimeUnit.SECONDS);
        }

        // then
        assertThat(applied)
                .hasSize(500)
                .allSatisfy((position, times) -> assertThat(times).isOne());
        assertThat(STORE.readCheckpoint(key).position()).isEqualTo(499);
    }

    private static long catchUp(Projection<InMemoryTransaction> projection, EventSource source, int batchSize) {
        try {
            return ProjectionRunner.builder(projection, STORE, source)
                    .batchSize(batchSize)
                    .build()
                    .catchUp();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
