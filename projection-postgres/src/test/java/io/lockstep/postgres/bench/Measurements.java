package io.lockstep.postgres.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The replay timings of every contender, one per round, and the figures derived from them. Not thread-safe.
 */
final class Measurements {

    private final long events;
    private final Map<String, List<ReplayTrial.Timing>> times = new LinkedHashMap<>();

    /** @param events how many events each replay applied */
    Measurements(long events) {
        this.events = events;
    }

    /** Records one replay of {@code contender}; a contender's n-th replay belongs to round n. */
    void add(String contender, ReplayTrial.Timing timing) {
        times.computeIfAbsent(contender, name -> new ArrayList<>()).add(timing);
    }

    /** @return the contenders in the order of their first replay */
    List<String> contenders() {
        return List.copyOf(times.keySet());
    }

    /** @return events per second of each round of {@code contender}, in round order */
    List<Double> rates(String contender) {
        return times.get(contender).stream()
                .map(timing -> rate(timing.elapsed()))
                .toList();
    }

    /** @return the median CPU time, in microseconds per event, of the thread that replayed {@code contender} */
    double medianCpuPerEvent(String contender) {
        return median(times.get(contender).stream()
                .map(timing -> timing.cpu().toNanos() / 1e3 / events)
                .toList());
    }

    /** @return the median events per second of {@code contender} */
    double medianRate(String contender) {
        return median(rates(contender));
    }

    /**
     * Compares two contenders round by round, so noise that hit one round hits both sides.
     *
     * @return the median over rounds of {@code contender}'s rate divided by {@code baseline}'s in the same
     *         round; empty when either was not measured
     */
    OptionalDouble medianRatio(String contender, String baseline) {
        if (!times.containsKey(contender) || !times.containsKey(baseline)) {
            return OptionalDouble.empty();
        }
        List<Double> mine = rates(contender);
        List<Double> theirs = rates(baseline);
        List<Double> ratios = new ArrayList<>();
        for (int round = 0; round < Math.min(mine.size(), theirs.size()); round++) {
            ratios.add(mine.get(round) / theirs.get(round));
        }
        return OptionalDouble.of(median(ratios));
    }

    /** @return true when {@code contender} was measured */
    boolean has(String contender) {
        return times.containsKey(contender);
    }

    private double rate(Duration elapsed) {
        return events * 1e9 / elapsed.toNanos();
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }
}
