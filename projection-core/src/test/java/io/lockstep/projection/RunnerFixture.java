package io.lockstep.projection;

import io.lockstep.projection.TestEvents.Deposited;
import io.lockstep.projection.TestEvents.Poison;
import io.lockstep.projection.TestEvents.Withdrawn;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;

/** The in-memory store, source and read model the runner tests share, with their helpers; a new set per test. */
abstract class RunnerFixture extends StepFixture {

    final InMemoryProjectionStore store = ProjectionStore.inMemory();
    final InMemoryEventSource source = new InMemoryEventSource();
    final CountingReadModel readModel = new CountingReadModel();
    final List<ProjectionRunner> runners = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopRunners() {
        runners.forEach(ProjectionRunner::stop);
    }

    // ---- fixtures -------------------------------------------------------------------------------------

    /** A projection that counts Deposited and Withdrawn events in {@link #readModel}. */
    Projection.Builder<InMemoryTransaction> counting() {
        return Projection.<InMemoryTransaction>builder(NAME)
                .on(Deposited.class, (event, envelope, tx) -> readModel.stage(envelope, tx))
                .on(Withdrawn.class, (event, envelope, tx) -> readModel.stage(envelope, tx));
    }

    /** {@link #counting()} plus a handler that always fails on {@link Poison}. */
    Projection.Builder<InMemoryTransaction> countingWithPoison() {
        return counting().on(Poison.class, (event, envelope, tx) -> {
            throw new IllegalStateException("boom: " + event.reason());
        });
    }

    ProjectionRunner.Builder<InMemoryTransaction> runnerFor(Projection<InMemoryTransaction> projection) {
        return ProjectionRunner.builder(projection, store, source)
                .retryPolicy(FAST_RETRIES)
                .idleWait(Duration.ofMillis(50));
    }

    /** Remembers {@code runner} so that it is stopped after the test. */
    ProjectionRunner tracked(ProjectionRunner runner) {
        runners.add(runner);
        return runner;
    }

    void appendDeposits(int count) {
        for (int i = 0; i < count; i++) {
            appendDeposit();
        }
    }

    Envelope appendDeposit() {
        long next = source.headPosition() + 1;
        String account = "account-" + (next % 3);
        return source.append(account, new Deposited(account, next));
    }

    /** Appends {@code total} events, all deposits except a {@link Poison} at {@code poisonPosition}. */
    void appendDepositsWithPoisonAt(int total, long poisonPosition) {
        for (int i = 0; i < total; i++) {
            if (i == poisonPosition) {
                source.append("account-x", new Poison("bad"));
            } else {
                appendDeposit();
            }
        }
    }

    long storedCheckpoint() {
        return store.checkpoints().getCheckpoint(NAME);
    }
}
