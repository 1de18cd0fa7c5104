package io.lockstep.postgres.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/** Prints the benchmark's results: one row per contender, then Lockstep's ratios to its baselines. */
final class ResultTable {

    /**
     * A ratio the table reports.
     *
     * @param target the least the ratio should reach, or NaN when it is informative only
     */
    private record Ratio(String contender, String baseline, double target) {}

    /** Issue 10's targets, then informative ratios (the shape advice among them). */
    private static final List<Ratio> RATIOS = List.of(
            new Ratio(Contenders.LOCKSTEP_TEMPLATED, Contenders.JDBC_BATCH, 0.8),
            new Ratio(Contenders.LOCKSTEP_TEMPLATED, Contenders.JDBC_PER_EVENT, 2.0),
            new Ratio(Contenders.LOCKSTEP_PER_EVENT, Contenders.JDBC_BATCH, 0.6),
            new Ratio(Contenders.LOCKSTEP_FOLDED, Contenders.JDBC_FOLD, 0.9),
            new Ratio(Contenders.LOCKSTEP_PER_EVENT, Contenders.JDBC_PER_EVENT, Double.NaN),
            new Ratio(Contenders.LOCKSTEP_JDBC, Contenders.JDBC_BATCH, Double.NaN),
            new Ratio(Contenders.LOCKSTEP_ONE_UPDATE, Contenders.LOCKSTEP_TEMPLATED, Double.NaN));

    private final PrintStream out;

    ResultTable(PrintStream out) {
        this.out = out;
    }

    void print(List<Contender> contenders, Measurements measurements) {
        out.printf(
                Locale.ROOT,
                "%-30s %6s %12s %12s %12s %9s %9s  %s%n",
                "contender",
                "batch",
                "median ev/s",
                "min ev/s",
                "max ev/s",
                "x batch",
                "cpu us/ev",
                "per round ev/s");
        for (Contender contender : contenders) {
            String name = contender.name();
            if (!measurements.has(name)) {
                continue;
            }
            List<Double> rates = measurements.rates(name);
            out.printf(
                    Locale.ROOT,
                    "%-30s %6d %,12.0f %,12.0f %,12.0f %9s %9.2f  %s%n",
                    name,
                    contender.batchSize(),
                    measurements.medianRate(name),
                    min(rates),
                    max(rates),
                    format(measurements.medianRatio(name, Contenders.JDBC_BATCH)),
                    measurements.medianCpuPerEvent(name),
                    rates.stream()
                            .map(rate -> String.format(Locale.ROOT, "%,.0f", rate))
                            .collect(Collectors.joining(" ")));
        }
        out.println("(x batch: median same-round ratio to jdbc-batch; cpu us/ev: CPU time of the replaying thread"
                + " per event, the client's share of the work)");
        out.println();
        out.println("ratios (median over rounds of the same-round ratio; ratio of the medians in brackets):");
        for (Ratio ratio : RATIOS) {
            ratio(measurements, ratio);
        }
    }

    private void ratio(Measurements measurements, Ratio wanted) {
        String name = wanted.contender() + " / " + wanted.baseline();
        OptionalDouble ratio = measurements.medianRatio(wanted.contender(), wanted.baseline());
        if (ratio.isEmpty()) {
            out.printf(Locale.ROOT, "  %-50s not measured%n", name);
            return;
        }
        double ofMedians = measurements.medianRate(wanted.contender()) / measurements.medianRate(wanted.baseline());
        String verdict = Double.isNaN(wanted.target())
                ? ""
                : String.format(
                        Locale.ROOT,
                        "   target >= %.1fx: %s",
                        wanted.target(),
                        ratio.getAsDouble() >= wanted.target() ? "met" : "NOT met");
        out.printf(Locale.ROOT, "  %-50s %6.3fx  (%.3fx)%s%n", name, ratio.getAsDouble(), ofMedians, verdict);
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
