package io.lockstep.postgres.bench;

import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.CheckpointStore;
import io.lockstep.projection.EventSource;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Map;

/**
 * Runs one contender once: empties the read model and resets its checkpoint, times the replay from its
 * start until the checkpoint reaches the last event, then checks the read model against the fold of the
 * events. Only the replay is timed. Contenders replay on the calling thread, so that thread's CPU time is
 * the client's cost of the replay; the rest of the wall time is spent waiting for the database.
 */
final class ReplayTrial {

    /**
     * What one replay took.
     *
     * @param elapsed wall time from the start of the replay to the checkpoint at the last event
     * @param cpu     CPU time of the replaying thread in that interval
     */
    record Timing(Duration elapsed, Duration cpu) {}

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final TestDatabase db;
    private final CheckpointStore checkpoints;

    ReplayTrial(TestDatabase db, CheckpointStore checkpoints) {
        this.db = db;
        this.checkpoints = checkpoints;
    }

    /**
     * Replays {@code source} (whose last event is at {@code head}) through {@code contender}.
     *
     * @param expected the read model the replay must end with: account id to row
     * @return the wall and CPU time of the replay
     * @throws IllegalStateException when the checkpoint or the read model is wrong: a fast wrong answer is
     *                               no result
     */
    Timing run(Contender contender, EventSource source, long head, Map<String, LiveWorkload.Row> expected)
            throws Exception {
        db.execute("TRUNCATE account_balance");
        checkpoints.resetCheckpoint(contender.checkpoint(), -1);
        long cpuStart = THREADS.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        long reached = contender.replay(source);
        Timing timing = new Timing(
                Duration.ofNanos(System.nanoTime() - start),
                Duration.ofNanos(THREADS.getCurrentThreadCpuTime() - cpuStart));
        if (reached != head) {
            throw new IllegalStateException(
                    contender.name() + " stopped at checkpoint " + reached + ", not at the" + " last event " + head);
        }
        long stored = checkpoints.getCheckpoint(contender.checkpoint());
        if (stored != head) {
            throw new IllegalStateException(
                    contender.name() + " reported checkpoint " + head + " but committed " + stored);
        }
        verify(contender, expected);
        return timing;
    }

    private void verify(Contender contender, Map<String, LiveWorkload.Row> expected) throws Exception {
        Map<String, LiveWorkload.Row> actual = LiveWorkload.actual(db.dataSource());
        if (actual.equals(expected)) {
            return;
        }
        long wrong = expected.entrySet().stream()
                .filter(account -> !account.getValue().equals(actual.get(account.getKey())))
                .count();
        String example = expected.entrySet().stream()
                .filter(account -> !account.getValue().equals(actual.get(account.getKey())))
                .findFirst()
                .map(account -> "; e.g. " + account.getKey() + " expected " + account.getValue() + " but was "
                        + actual.get(account.getKey()))
                .orElse("");
        throw new IllegalStateException(contender.name() + " produced a wrong read model: " + wrong + " of "
                + expected.size() + " accounts differ, " + actual.size() + " rows present" + example);
    }
}
