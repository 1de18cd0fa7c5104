package io.lockstep.example.accounts.http;

import io.lockstep.projection.CheckpointStore;
import io.lockstep.projection.ProjectionRunner;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.time.Duration;
import java.util.Map;

/**
 * Read-your-writes: holds a read until the projection has processed a position the client got from a
 * command ({@code ?minPosition=N}). Watches this process's runner with a timer on the event loop, and once
 * that has passed N, confirms with the stored checkpoint (on a worker thread): the stored one is the truth
 * when another process replays or runs the projection. Nothing blocks the event loop.
 */
final class CheckpointWait {

    /** How long a read waits for {@code minPosition} before answering 503. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    private static final long CHECK_EVERY_MS = 5;

    private final Vertx vertx;
    private final WorkerExecutor workers;
    private final ProjectionRunner runner;
    private final CheckpointStore checkpoints;
    private final Duration timeout;

    /** @param workers where the stored checkpoint is read (the reads' workers) */
    CheckpointWait(Vertx vertx, WorkerExecutor workers, ProjectionRunner runner, CheckpointStore checkpoints,
                   Duration timeout) {
        this.vertx = vertx;
        this.workers = workers;
        this.runner = runner;
        this.checkpoints = checkpoints;
        this.timeout = timeout;
    }

    /** @return the position this process's runner has processed */
    long checkpoint() {
        return runner.status().checkpoint();
    }

    /**
     * @return a future that succeeds once the stored checkpoint is at or past {@code minPosition}, or fails
     *         with a 503 {@link ApiError} carrying the checkpoint after the timeout
     */
    Future<Void> until(long minPosition) {
        Promise<Void> reached = Promise.promise();
        attempt(minPosition, System.nanoTime() + timeout.toNanos(), reached);
        return reached.future();
    }

    private void attempt(long minPosition, long deadline, Promise<Void> reached) {
        if (checkpoint() < minPosition) {
            later(minPosition, deadline, reached);
            return;
        }
        String projection = runner.key().projection();
        workers.executeBlocking(() -> checkpoints.getCheckpoint(projection), false).onComplete(stored -> {
            if (stored.failed()) {
                reached.fail(stored.cause());
            } else if (stored.result() >= minPosition) {
                reached.complete();
            } else {
                later(minPosition, deadline, reached);
            }
        });
    }

    private void later(long minPosition, long deadline, Promise<Void> reached) {
        if (System.nanoTime() - deadline > 0) {
            long checkpoint = checkpoint();
            reached.fail(ApiError.unavailable("minPosition", "the " + runner.key().projection()
                    + " projection has not reached position " + minPosition + " within " + timeout.toSeconds()
                    + " s (it is at " + checkpoint + "); retry later", Failures.RETRY_AFTER,
                    Map.of("checkpoint", checkpoint, "minPosition", minPosition)));
        } else {
            vertx.setTimer(CHECK_EVERY_MS, timer -> attempt(minPosition, deadline, reached));
        }
    }
}
