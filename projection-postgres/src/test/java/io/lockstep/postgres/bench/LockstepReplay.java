package io.lockstep.postgres.bench;

import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.projection.EventSource;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionStore;

/** Replays through Lockstep: a {@link ProjectionRunner} on a PostgreSQL projection store, caught up. */
final class LockstepReplay implements Contender {

    private final String name;
    private final Projection<PostgresTransaction> projection;
    private final ProjectionStore<PostgresTransaction> store;
    private final int batchSize;

    LockstepReplay(
            String name,
            Projection<PostgresTransaction> projection,
            ProjectionStore<PostgresTransaction> store,
            int batchSize) {
        this.name = name;
        this.projection = projection;
        this.store = store;
        this.batchSize = batchSize;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String checkpoint() {
        return projection.name();
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    @Override
    public long replay(EventSource source) throws InterruptedException {
        try (ProjectionRunner runner = ProjectionRunner.builder(projection, store, source)
                .batchSize(batchSize)
                .build()) {
            return runner.catchUp();
        }
    }
}
