package io.lockstep.postgres.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs appender threads flat out for a warm-up and a measured window: each thread appends in a loop until
 * the window ends, and counts the appends that completed inside the window. The first failure stops every
 * thread and is rethrown by {@link #join()}.
 */
final class AppendLoad {

    private final List<AppendContender.Append> appends;
    private final long measureFrom;
    private final long deadline;
    private final long[] counted;
    private final long[] total;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final List<Thread> threads = new ArrayList<>();

    /** Prepares one appender per thread; the clock starts now, so start the threads at once. */
    AppendLoad(AppendContender.Session session, int appenders, int eventsPerAppend, Duration warmup, Duration window) {
        this.appends = new ArrayList<>();
        for (int thread = 0; thread < appenders; thread++) {
            appends.add(session.appender(thread, eventsPerAppend));
        }
        this.measureFrom = System.nanoTime() + warmup.toNanos();
        this.deadline = measureFrom + window.toNanos();
        this.counted = new long[appenders];
        this.total = new long[appenders];
    }

    void start() {
        for (int thread = 0; thread < appends.size(); thread++) {
            int index = thread;
            threads.add(Thread.ofPlatform().name("appender-" + thread).start(() -> loop(index)));
        }
    }

    private void loop(int thread) {
        AppendContender.Append append = appends.get(thread);
        try {
            while (failure.get() == null && System.nanoTime() < deadline) {
                append.append();
                long done = System.nanoTime();
                total[thread]++;
                if (done >= measureFrom && done < deadline) {
                    counted[thread]++;
                }
            }
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }

    /** Parks the calling thread until the measured window starts. */
    void awaitWindowStart() {
        parkUntil(measureFrom);
    }

    /** Parks the calling thread until the measured window ends. */
    void awaitWindowEnd() {
        parkUntil(deadline);
    }

    /** Waits for every thread to finish its last append; rethrows the first failure. */
    void join() throws Exception {
        for (Thread thread : threads) {
            thread.join();
        }
        Throwable e = failure.get();
        if (e instanceof Exception exception) {
            throw exception;
        }
        if (e != null) {
            throw new IllegalStateException("appender failed: " + e, e);
        }
    }

    /** @return appends that completed inside the measured window; valid after {@link #join()} */
    long countedAppends() {
        long sum = 0;
        for (long n : counted) {
            sum += n;
        }
        return sum;
    }

    /** @return every append that completed, warm-up included; valid after {@link #join()} */
    long totalAppends() {
        long sum = 0;
        for (long n : total) {
            sum += n;
        }
        return sum;
    }

    private static void parkUntil(long nanoTime) {
        for (long left = nanoTime - System.nanoTime(); left > 0; left = nanoTime - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }
}
