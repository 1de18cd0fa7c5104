package io.lockstep.postgres.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/** Prints the append throughput: one row per configuration and contender, then the ratios to plain INSERTs. */
final class ThroughputTable {

    /** The target: Lockstep's appends at no less than this fraction of plain INSERTs' events/s. */
    static final double TARGET = 0.85;

    private final PrintStream out;

    ThroughputTable(PrintStream out) {
        this.out = out;
    }

    void print(AppendMeasurements measurements) {
        out.printf(
                Locale.ROOT,
                "%4s %4s  %-20s %11s %11s %9s %9s %8s %7s %8s %8s  %s%n",
                "thr",
                "ev/a",
                "contender",
                "median ev/s",
                "appends/s",
                "cli us/ev",
                "srv us/ev",
                "machine",
                "backlog",
                "drain ms",
                "x plain",
                "per round ev/s");
        for (AppendMeasurements.Config config : measurements.configs()) {
            for (String contender : measurements.contenders(config)) {
                row(measurements, config, contender);
            }
        }
        out.println("(thr: concurrent appenders; ev/a: events per append; cli/srv us/ev: CPU time of this JVM / of the"
                + " database's backends per event; machine: busy share of all cores; backlog: events not yet"
                + " sequenced when the appenders stopped; drain: time to sequence them; x plain: median same-round"
                + " ratio to plain-insert; all medians over rounds)");
        out.println();
        out.println("ratios to plain-insert (median over rounds of the same-round events/s ratio; ratio of the"
                + " medians in brackets):");
        for (AppendMeasurements.Config config : measurements.configs()) {
            for (String contender : measurements.contenders(config)) {
                if (!contender.equals(PlainInserts.PLAIN)) {
                    ratio(measurements, config, contender);
                }
            }
        }
    }

    private void row(AppendMeasurements measurements, AppendMeasurements.Config config, String contender) {
        List<ThroughputTrial.Result> results = measurements.results(config, contender);
        out.printf(
                Locale.ROOT,
                "%4d %4d  %-20s %,11.0f %,11.0f %9.1f %9.1f %7.0f%% %7.0f %8.0f %8s  %s%n",
                config.appenders(),
                config.eventsPerAppend(),
                contender,
                measurements.median(config, contender, ThroughputTrial.Result::eventRate),
                measurements.median(config, contender, ThroughputTrial.Result::appendRate),
                measurements.median(config, contender, r -> r.cpu().clientPerEvent(r.events())),
                measurements.median(config, contender, r -> r.cpu().serverPerEvent(r.events())),
                100 * measurements.median(config, contender, r -> r.cpu().machineBusy()),
                measurements.median(config, contender, ThroughputTrial.Result::backlog),
                measurements.median(config, contender, r -> r.drain().toNanos() / 1e6),
                format(measurements.medianRatio(config, contender, PlainInserts.PLAIN)),
                results.stream()
                        .map(r -> String.format(Locale.ROOT, "%,.0f", r.eventRate()))
                        .collect(Collectors.joining(" ")));
    }

    private void ratio(AppendMeasurements measurements, AppendMeasurements.Config config, String contender) {
        OptionalDouble ratio = measurements.medianRatio(config, contender, PlainInserts.PLAIN);
        String label = String.format(
                Locale.ROOT,
                "%d appender(s) x %d event(s)/append  %s / %s",
                config.appenders(),
                config.eventsPerAppend(),
                contender,
                PlainInserts.PLAIN);
        if (ratio.isEmpty()) {
            out.printf(Locale.ROOT, "  %-62s not measured%n", label);
            return;
        }
        double ofMedians = measurements.median(config, contender, ThroughputTrial.Result::eventRate)
                / measurements.median(config, PlainInserts.PLAIN, ThroughputTrial.Result::eventRate);
        String verdict = !contender.equals(LockstepAppends.LOCKSTEP)
                ? ""
                : String.format(
                        Locale.ROOT,
                        "   target >= %.2fx: %s",
                        TARGET,
                        ratio.getAsDouble() >= TARGET ? "met" : "NOT met");
        out.printf(Locale.ROOT, "  %-62s %6.3fx  (%.3fx)%s%n", label, ratio.getAsDouble(), ofMedians, verdict);
    }

    private static String format(OptionalDouble ratio) {
        return ratio.isPresent() ? String.format(Locale.ROOT, "%.3fx", ratio.getAsDouble()) : "-";
    }
}
