package io.lockstep.projection;

import io.lockstep.projection.TestEvents.Deposited;
import io.lockstep.projection.TestEvents.Poison;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;

/** The in-memory store, source, clock and read models the operator tests share, with their helpers; a new set per test. */
abstract class OperatorFixture extends StepFixture {

    static final CheckpointKey KEY = CheckpointKey.of(NAME);
    static final CheckpointKey BUILD_V2 = new CheckpointKey(CheckpointKey.NO_TENANT, NAME + "@v2");

    final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    final InMemoryProjectionStore store = ProjectionStore.inMemory();
    final InMemoryEventSource source = new InMemoryEventSource(clock);
    /** The read model as readers see it: cleared by the reset handler. */
    final Table table = new Table();
    /** Every effect ever committed, never cleared: shows what was applied again. */
    final CountingReadModel history = new CountingReadModel();
    /** Calls of the reset handler, committed or not. */
    final AtomicInteger resets = new AtomicInteger();

    final List<ProjectionRunner> runners = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopRunners() {
        runners.forEach(ProjectionRunner::stop);
    }

    // ---- fixtures -------------------------------------------------------------------------------------

    /** A projection without reset handler that writes each Deposited to {@link #table} and {@link #history}. */
    Projection.Builder<InMemoryTransaction> counting() {
        return Projection.<InMemoryTransaction>builder(NAME).on(Deposited.class, (event, envelope, tx) -> {
            table.stage(envelope, tx);
            history.stage(envelope, tx);
        });
    }

    /** {@link #counting()} with a reset handler that counts its calls and clears {@link #table}. */
    Projection.Builder<InMemoryTransaction> resettable() {
        return counting().onReset(tx -> {
            resets.incrementAndGet();
            table.stageClear(tx);
        });
    }

    /** {@link #counting()} plus a handler that always fails on {@link Poison}. */
    Projection.Builder<InMemoryTransaction> countingWithPoison() {
        return counting().on(Poison.class, (event, envelope, tx) -> {
            throw new IllegalStateException("boom: " + event.reason());
        });
    }

    ProjectionRunner.Builder<InMemoryTransaction> runnerFor(Projection<InMemoryTransaction> projection) {
        return runnerFor(projection, source);
    }

    ProjectionRunner.Builder<InMemoryTransaction> runnerFor(
            Projection<InMemoryTransaction> projection, EventSource events) {
        return ProjectionRunner.builder(projection, store, events)
                .retryPolicy(FAST_RETRIES)
                .idleWait(Duration.ofMillis(50))
                .clock(clock);
    }

    /** Remembers {@code runner} so that it is stopped after the test. */
    ProjectionRunner tracked(ProjectionRunner runner) {
        runners.add(runner);
        return runner;
    }

    void appendDeposits(int count) {
        for (int i = 0; i < count; i++) {
            long next = source.headPosition() + 1;
            String account = "account-" + (next % 3);
            source.append(account, new Deposited(account, next));
        }
    }

    /** Appends {@code total} events, all deposits except a {@link Poison} at {@code poisonPosition}. */
    void appendDepositsWithPoisonAt(int total, long poisonPosition) {
        for (int i = 0; i < total; i++) {
            if (i == poisonPosition) {
                source.append("account-x", new Poison("bad"));
            } else {
                appendDeposits(1);
            }
        }
    }

    StoredCheckpoint stored() {
        return store.readCheckpoint(KEY);
    }

    /** A read-model table in memory: the positions applied since it was last cleared. Thread-safe. */
    static final class Table {
        private final Map<Long, Integer> rows = new ConcurrentHashMap<>();

        void stage(Envelope envelope, InMemoryTransaction tx) {
            tx.stage(() -> rows.merge(envelope.position(), 1, Integer::sum));
        }

        void stageClear(InMemoryTransaction tx) {
            tx.stage(rows::clear);
        }

        Map<Long, Integer> rows() {
            return Map.copyOf(rows);
        }
    }

    /** A clock the test moves by hand. */
    static final class MutableClock implements InstantSource {
        private final AtomicReference<Instant> now;

        MutableClock(Instant start) {
            this.now = new AtomicReference<>(start);
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        void advance(Duration duration) {
            now.updateAndGet(instant -> instant.plus(duration));
        }
    }

    /** An event source that runs a hook right after each read: between a runner's read and its commit. */
    static final class HookedSource implements EventSource {
        private final EventSource delegate;
        volatile Runnable afterRead = () -> {};

        HookedSource(EventSource delegate) {
            this.delegate = delegate;
        }

        @Override
        public List<Envelope> read(long afterPosition, int maxEvents) {
            List<Envelope> batch = delegate.read(afterPosition, maxEvents);
            afterRead.run();
            return batch;
        }

        @Override
        public long headPosition() {
            return delegate.headPosition();
        }

        @Override
        public boolean awaitEvents(long afterPosition, Duration timeout) throws InterruptedException {
            return delegate.awaitEvents(afterPosition, timeout);
        }
    }

    /** Records what a runner tells its listener. */
    static final class RecordingListener implements ProjectionListener {
        final List<Integer> committedBatches = new CopyOnWriteArrayList<>();
        final List<Long> checkpointsAtCommit = new CopyOnWriteArrayList<>();
        final List<ProjectionState> states = new CopyOnWriteArrayList<>();

        @Override
        public void batchCommitted(ProjectionStatus status, int events, Duration duration) {
            committedBatches.add(events);
            checkpointsAtCommit.add(status.checkpoint());
        }

        @Override
        public void stateChanged(ProjectionStatus status) {
            states.add(status.state());
        }
    }

    /** Versioned tables that record the calls of a side-by-side rebuild. */
    static final class RecordingTables implements RebuildStrategy.VersionedTables<InMemoryTransaction> {
        final List<Integer> created = new CopyOnWriteArrayList<>();
        final List<List<Integer>> promoted = new CopyOnWriteArrayList<>();
        final AtomicInteger promotionsToFail = new AtomicInteger();

        @Override
        public void create(InMemoryTransaction tx, int version) {
            created.add(version);
        }

        @Override
        public void promote(InMemoryTransaction tx, int fromVersion, int toVersion) {
            promoted.add(List.of(fromVersion, toVersion));
            if (promotionsToFail.getAndDecrement() > 0) {
                throw new IllegalStateException("cannot re-point the view to version " + toVersion);
            }
        }
    }
}
