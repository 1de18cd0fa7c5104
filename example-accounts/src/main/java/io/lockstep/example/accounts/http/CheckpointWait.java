package io.lockstep.example.accounts.http;

import io.lockstep.projection.ProjectionRunner;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Map;

/**
 * Read-your-writes: holds a read until the projection has processed a position the client got from a
 * command ({@code ?minPosition=N}). Watches this process's runner with a timer on the event loop: nothing
 * blocks, and a read that was already caught up is answered at once.
 */
final class CheckpointWait {

    /** How long a read waits for {@code minPosition} before answering 503. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    private static final long CHECK_EVERY_MS = 5;

    private final Vertx vertx;
    private final ProjectionRunner runner;
    private final Duration timeout;

    CheckpointWait(Vertx vertx, ProjectionRunner runner, Duration timeout) {
        this.vertx = vertx;
        this.runner = runner;
        this.timeout = timeout;
    }

    /** @return the position this process's runner has processed */
    long checkpoint() {
        return runner.status().checkpoint();
    }

    /**
     * @return a future that succeeds once the checkpoint is at or past {@code minPosition}, or fails with a
     *         503 {@link ApiError} carrying the checkpoint after the timeout
     */
    Future<Void> until(long minPosition) {
        if (runner.status().checkpoint() >= minPosition) {
            return Future.succeededFuture();
        }
        Promise<Void> reached = Promise.promise();
        long deadline = System.nanoTime() + timeout.toNanos();
        vertx.setPeriodic(CHECK_EVERY_MS, timer -> {
            long checkpoint = runner.status().checkpoint();
            if (checkpoint >= minPosition) {
                vertx.cancelTimer(timer);
                reached.complete();
            } else if (System.nanoTime() - deadline > 0) {
                vertx.cancelTimer(timer);
                reached.fail(new ApiError(503, "minPosition", "the " + runner.key().projection()
                        + " projection has not reached position " + minPosition + " within " + timeout.toSeconds()
                        + " s (it is at " + checkpoint + "); retry later",
                        Map.of("checkpoint", checkpoint, "minPosition", minPosition)));
            }
        });
        return reached.future();
    }
}
