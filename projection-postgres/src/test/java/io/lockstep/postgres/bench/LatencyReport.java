package io.lockstep.postgres.bench;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;

/** Prints the latency scenario's percentiles and the verdict on the target. */
final class LatencyReport {

    /** The target: append-to-projected p99 at most this many milliseconds at the steady rate. */
    static final double TARGET_P99_MILLIS = 50;

    private final PrintStream out;

    LatencyReport(PrintStream out) {
        this.out = out;
    }

    void print(LatencyTrial.Options options, LatencyTrial.Samples samples) {
        int n = samples.scheduled().length;
        double span = (samples.started()[n - 1] - samples.started()[0]) / 1e9;
        out.printf(
                Locale.ROOT,
                "latency: %,d measured appends (1 event each), target %d/s, achieved %.1f/s over"
                        + " %.1f s, %d appender thread(s), runner idleWait %s, tick interval %s, %,d events in the log"
                        + " before%n",
                n,
                options.rate(),
                (n - 1) / span,
                span,
                options.appenders(),
                options.idleWait(),
                options.tickInterval(),
                options.prefill());
        out.printf(Locale.ROOT, "%-34s %8s %8s %8s %8s %8s %8s%n", "ms", "min", "p50", "p90", "p99", "p99.9", "max");
        row("append returned -> projected", samples.returned(), samples.projected());
        row("append call (started -> returned)", samples.started(), samples.returned());
        row("pacing lag (scheduled -> started)", samples.scheduled(), samples.started());
        row("scheduled -> projected", samples.scheduled(), samples.projected());
        double p99 = percentile(sorted(samples.returned(), samples.projected()), 0.99) / 1e6;
        out.printf(
                Locale.ROOT,
                "append -> projected p99 %.1f ms, target <= %.0f ms: %s%n",
                p99,
                TARGET_P99_MILLIS,
                p99 <= TARGET_P99_MILLIS ? "met" : "NOT met");
    }

    private void row(String label, long[] from, long[] to) {
        long[] sorted = sorted(from, to);
        out.printf(
                Locale.ROOT,
                "%-34s %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f%n",
                label,
                sorted[0] / 1e6,
                percentile(sorted, 0.50) / 1e6,
                percentile(sorted, 0.90) / 1e6,
                percentile(sorted, 0.99) / 1e6,
                percentile(sorted, 0.999) / 1e6,
                sorted[sorted.length - 1] / 1e6);
    }

    /** @return {@code to[i] - from[i]} for every i, sorted */
    private static long[] sorted(long[] from, long[] to) {
        long[] differences = new long[from.length];
        for (int i = 0; i < from.length; i++) {
            differences[i] = to[i] - from[i];
        }
        Arrays.sort(differences);
        return differences;
    }

    /** @return the nearest-rank percentile of sorted {@code values} */
    static long percentile(long[] values, double fraction) {
        int rank = (int) Math.ceil(fraction * values.length);
        return values[Math.max(0, Math.min(values.length - 1, rank - 1))];
    }
}
