package io.lockstep.postgres.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Reads where the CPU time of a trial went: this JVM's process time, the time of the database's backends
 * (from {@code /proc}, so only when the server runs on this machine) and the whole machine's busy share.
 * On a 2-core machine the client, the sequencer's backend and the appenders' backends share the same cores,
 * so these figures say whether a contender is CPU-bound and who spent the CPU.
 */
final class CpuMeter {

    /** Linux's USER_HZ: /proc reports process times in these ticks. */
    private static final long TICKS_PER_SECOND = 100;

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /** The counters at one instant; {@code serverTicks} and the machine's are -1 when unreadable. */
    record Sample(long clientNanos, long serverTicks, long machineBusy, long machineTotal) {}

    /**
     * CPU time spent between two samples.
     *
     * @param client      this JVM: appenders, sequencer and listener threads, JIT and GC
     * @param server      the backends of the benchmark's database, or null when /proc could not tell
     * @param machineBusy the share of all cores that was busy (any process), or NaN when unknown
     */
    record Usage(Duration client, Duration server, double machineBusy) {

        /** @return microseconds of client CPU per event */
        double clientPerEvent(long events) {
            return events == 0 ? Double.NaN : client.toNanos() / 1e3 / events;
        }

        /** @return microseconds of server CPU per event, NaN when unknown */
        double serverPerEvent(long events) {
            return server == null || events == 0 ? Double.NaN : server.toNanos() / 1e3 / events;
        }
    }

    private final DataSource dataSource;
    private List<Long> backends = List.of();

    /** @param dataSource a pool on the benchmark's database, used to list its backends */
    CpuMeter(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Lists the database's backends now; call once the trial's connections are open. */
    Sample start() throws SQLException {
        backends = backendPids();
        return sample();
    }

    /** @return the counters now, for the backends listed by {@link #start()} */
    Sample sample() {
        long[] machine = machine();
        return new Sample(OS.getProcessCpuTime(), serverTicks(), machine[0], machine[1]);
    }

    static Usage between(Sample from, Sample to) {
        Duration server = from.serverTicks() < 0 || to.serverTicks() < 0
                ? null
                : Duration.ofMillis((to.serverTicks() - from.serverTicks()) * 1000 / TICKS_PER_SECOND);
        long total = to.machineTotal() - from.machineTotal();
        double busy = from.machineTotal() < 0 || total <= 0
                ? Double.NaN
                : (double) (to.machineBusy() - from.machineBusy()) / total;
        return new Usage(Duration.ofNanos(to.clientNanos() - from.clientNanos()), server, busy);
    }

    private List<Long> backendPids() throws SQLException {
        List<Long> pids = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()");
                ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                pids.add(rows.getLong(1));
            }
        }
        return pids;
    }

    /** @return utime + stime of the listed backends, -1 when none of them is readable (a remote server) */
    private long serverTicks() {
        long ticks = 0;
        boolean any = false;
        for (long pid : backends) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                // Fields after the command name, which is in parentheses and may contain spaces.
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                any = true;
            } catch (IOException | RuntimeException e) {
                // Not on this machine, or the backend has ended: it contributes nothing.
            }
        }
        return any ? ticks : -1;
    }

    /** @return {busy, total} jiffies of all cores from /proc/stat, or {-1, -1} */
    private static long[] machine() {
        try {
            String[] fields =
                    Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(fields.length, 9); i++) {
                total += Long.parseLong(fields[i]);
            }
            long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, -1};
        }
    }
}
