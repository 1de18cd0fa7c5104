package io.lockstep.postgres.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/** Prints the benchmark's results: one row per contender, then Lockstep's ratios to its baselines. */
final class ResultTable {

    /** The target: Lockstep per-event at no less than this fraction of the executeBatch baseline. */
    static final double TARGET = 0.9;

    private final PrintStream out;

    ResultTable(PrintStream out) {
        this.out = out;
    }

    void print(List<Contender> contenders, Measurements measurements) {
        out.printf(Locale.ROOT, "%-26s %6s %12s %12s %12s %9s %9s  %s%n", "contender", "batch", "median ev/s",
                "min ev/s", "max ev/s", "x batch", "cpu us/ev", "per round ev/s");
        for (Contender contender : contenders) {
            String name = contender.name();
            if (!measurements.has(name)) {
                continue;
            }
            List<Double> rates = measurements.rates(name);
            out.printf(Locale.ROOT, "%-26s %6d %,12.0f %,12.0f %,12.0f %9s %9.2f  %s%n", name,
                    contender.batchSize(), measurements.medianRate(name), min(rates), max(rates),
                    format(measurements.medianRatio(name, Contenders.JDBC_BATCH)),
                    measurements.medianCpuPerEvent(name),
                    rates.stream().map(rate -> String.format(Locale.ROOT, "%,.0f", rate))
                            .collect(Collectors.joining(" ")));
        }
        out.println("(x batch: median same-round ratio to jdbc-batch; cpu us/ev: CPU time of the replaying thread"
                + " per event, the client's share of the work)");
        out.println();
        out.println("ratios (median over rounds of the same-round ratio; ratio of the medians in brackets):");
        ratio(measurements, Contenders.LOCKSTEP_TEMPLATED, Contenders.JDBC_BATCH, true);
        ratio(measurements, Contenders.LOCKSTEP_PER_EVENT, Contenders.JDBC_BATCH, false);
        ratio(measurements, Contenders.LOCKSTEP_PER_EVENT, Contenders.JDBC_PER_EVENT, false);
        ratio(measurements, Contenders.LOCKSTEP_FOLDED, Contenders.JDBC_FOLD, false);
    }

    private void ratio(Measurements measurements, String contender, String baseline, boolean target) {
        OptionalDouble ratio = measurements.medianRatio(contender, baseline);
        if (ratio.isEmpty()) {
            out.printf(Locale.ROOT, "  %-40s not measured%n", contender + " / " + baseline);
            return;
        }
        double ofMedians = measurements.medianRate(contender) / measurements.medianRate(baseline);
        String verdict = !target ? ""
                : String.format(Locale.ROOT, "   target >= %.2fx: %s", TARGET, ratio.getAsDouble() >= TARGET
                        ? "met" : "NOT met");
        out.printf(Locale.ROOT, "  %-40s %6.3fx  (%.3fx)%s%n", contender + " / " + baseline, ratio.getAsDouble(),
                ofMedians, verdict);
    }

    private static String format(OptionalDouble ratio) {
        return ratio.isPresent() ? String.format(Locale.ROOT, "%.3fx", ratio.getAsDouble()) : "-";
    }

    private static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    }

    private static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }
}
