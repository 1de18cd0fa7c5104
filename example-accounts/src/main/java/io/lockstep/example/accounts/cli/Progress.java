package io.lockstep.example.accounts.cli;

import java.io.PrintStream;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Locale;

/**
 * Reports a long task's progress: a bar redrawn in place (percent, count, rate, ETA) on a terminal, plain
 * lines every few seconds otherwise (logs, CI). Call {@link #update} as often as convenient; it draws at most
 * every {@link #BAR_EVERY} (terminal) or {@link #LINE_EVERY} (lines). Not thread-safe: one reporting thread.
 */
final class Progress {

    static final Duration BAR_EVERY = Duration.ofMillis(200);
    static final Duration LINE_EVERY = Duration.ofSeconds(2);
    private static final int WIDTH = 30;

    private final PrintStream out;
    private final String label;
    private final String unit;
    private final boolean terminal;
    private final long started = System.nanoTime();
    private long lastDrawn = Long.MIN_VALUE;
    private long firstDone = -1;

    /**
     * @param label what is progressing, e.g. "replaying accounts"
     * @param unit  what is counted, e.g. "events"
     */
    Progress(PrintStream out, String label, String unit, boolean terminal) {
        this.out = out;
        this.label = label;
        this.unit = unit;
        this.terminal = terminal;
    }

    /** @param done how many are done, @param total of how many (at least done) */
    void update(long done, long total) {
        long now = System.nanoTime();
        long every = (terminal ? BAR_EVERY : LINE_EVERY).toNanos();
        if (lastDrawn != Long.MIN_VALUE && now - lastDrawn < every) {
            return;
        }
        lastDrawn = now;
        draw(done, total, now);
    }

    /** Draws the final state and ends the line. */
    void finish(long done, long total) {
        draw(done, total, System.nanoTime());
        if (terminal) {
            out.println();
        }
    }

    private void draw(long done, long total, long now) {
        if (firstDone < 0) {
            firstDone = done; // what was done before this task started counts for the bar, not for the rate
        }
        double seconds = Math.max((now - started) / 1e9, 1e-3);
        double rate = (done - firstDone) / seconds;
        long left = Math.max(total - done, 0);
        String eta = rate > 0 ? clock(Math.round(left / rate)) : "--:--";
        double fraction = total <= 0 ? 1 : Math.min(1, (double) done / total);
        String figures = String.format(
                Locale.ROOT,
                "%3.0f%% %,d/%,d %s  %,.0f %s/s  ETA %s",
                fraction * 100,
                done,
                total,
                unit,
                rate,
                unit,
                eta);
        if (terminal) {
            int filled = (int) Math.round(fraction * WIDTH);
            out.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + figures + "   ");
            out.flush();
        } else {
            out.println(label + ": " + figures);
        }
    }

    private static String clock(long seconds) {
        return String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }

    /**
     * @return whether standard output is an interactive terminal (JDK 22+ can tell through
     *         {@code Console.isTerminal()}; on 21 a console exists only for a terminal)
     */
    static boolean isTerminal() {
        var console = System.console();
        if (console == null) {
            return false;
        }
        try {
            Method isTerminal = console.getClass().getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }
}
