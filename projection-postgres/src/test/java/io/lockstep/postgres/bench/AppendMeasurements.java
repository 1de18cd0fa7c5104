package io.lockstep.postgres.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.ToDoubleFunction;

/**
 * The throughput trials of every configuration and contender, one per round, and the figures derived from
 * them. Not thread-safe.
 */
final class AppendMeasurements {

    /** One cell of the sweep: concurrent appenders and events per append. */
    record Config(int appenders, int eventsPerAppend) {}

    private final Map<Config, Map<String, List<ThroughputTrial.Result>>> results = new LinkedHashMap<>();

    /** Records one trial; a contender's n-th trial at a configuration belongs to round n. */
    void add(Config config, String contender, ThroughputTrial.Result result) {
        results.computeIfAbsent(config, c -> new LinkedHashMap<>())
                .computeIfAbsent(contender, name -> new ArrayList<>())
                .add(result);
    }

    List<Config> configs() {
        return List.copyOf(results.keySet());
    }

    /** @return the contenders measured at {@code config}, in the order of their first trial */
    List<String> contenders(Config config) {
        return List.copyOf(results.get(config).keySet());
    }

    List<ThroughputTrial.Result> results(Config config, String contender) {
        return results.get(config).getOrDefault(contender, List.of());
    }

    /** @return the median over rounds of {@code figure} */
    double median(Config config, String contender, ToDoubleFunction<ThroughputTrial.Result> figure) {
        return Measurements.median(
                results(config, contender).stream().map(figure::applyAsDouble).toList());
    }

    /**
     * Compares two contenders round by round, so noise that hit one round hits both sides.
     *
     * @return the median over rounds of {@code contender}'s event rate divided by {@code baseline}'s in the
     *         same round; empty when either was not measured at {@code config}
     */
    OptionalDouble medianRatio(Config config, String contender, String baseline) {
        List<ThroughputTrial.Result> mine = results(config, contender);
        List<ThroughputTrial.Result> theirs = results(config, baseline);
        if (mine.isEmpty() || theirs.isEmpty()) {
            return OptionalDouble.empty();
        }
        List<Double> ratios = new ArrayList<>();
        for (int round = 0; round < Math.min(mine.size(), theirs.size()); round++) {
            ratios.add(mine.get(round).eventRate() / theirs.get(round).eventRate());
        }
        return OptionalDouble.of(Measurements.median(ratios));
    }
}
