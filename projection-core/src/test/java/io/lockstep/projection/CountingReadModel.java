package io.lockstep.projection;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A read model for the runner tests: counts, per event position, how many times its effect was committed
 * and keeps the committed positions in commit order. Handlers stage their effect with {@link #stage}, so
 * a rolled-back batch leaves no trace. Thread-safe.
 */
final class CountingReadModel {

    private final Map<Long, Integer> applications = new ConcurrentHashMap<>();
    private final List<Long> order = new ArrayList<>();

    /** Stages the effect of {@code envelope} in {@code tx}: it counts only when the transaction commits. */
    void stage(Envelope envelope, InMemoryTransaction tx) {
        tx.stage(() -> record(envelope.position()));
    }

    private void record(long position) {
        applications.merge(position, 1, Integer::sum);
        synchronized (order) {
            order.add(position);
        }
    }

    /** @return how many times each position's effect was committed */
    Map<Long, Integer> applications() {
        return Map.copyOf(applications);
    }

    /** @return the positions whose effect was committed, in commit order (repeats included) */
    List<Long> order() {
        synchronized (order) {
            return List.copyOf(order);
        }
    }

    /** @return how many effects were committed in all */
    int size() {
        synchronized (order) {
            return order.size();
        }
    }
}
