package io.lockstep.example.accounts.http;

import io.lockstep.example.accounts.readmodel.AccountsProjection;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.time.Duration;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Read-your-writes: holds a read until the projection has processed a position the client got from a
 * command ({@code ?minPosition=N}). The projection is partitioned and its partitions may run in other
 * processes, so the question goes to the database (on a worker thread): how far has every partition got
 * ({@code ProjectionNode.projectedThrough})? It is asked again every {@link #CHECK_EVERY_MS} ms until the
 * answer reaches N or the timeout passes. Nothing blocks the event loop.
 */
final class CheckpointWait {

    /** How long a read waits for {@code minPosition} before answering 503. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    private static final long CHECK_EVERY_MS = 10;

    private final Vertx vertx;
    private final WorkerExecutor workers;
    private final LongSupplier projectedThrough;
    private final Duration timeout;

    /**
     * @param workers          where {@code projectedThrough} runs (the reads' workers)
     * @param projectedThrough how far the projection got as a whole; blocking
     */
    CheckpointWait(Vertx vertx, WorkerExecutor workers, LongSupplier projectedThrough, Duration timeout) {
        this.vertx = vertx;
        this.workers = workers;
        this.projectedThrough = projectedThrough;
        this.timeout = timeout;
    }

    /**
     * @return a future that succeeds once the projection has processed every event up to {@code minPosition},
     *         or fails with a 503 {@link ApiError} carrying how far it got after the timeout
     */
    Future<Void> until(long minPosition) {
        Promise<Void> reached = Promise.promise();
        attempt(minPosition, System.nanoTime() + timeout.toNanos(), reached);
        return reached.future();
    }

    private void attempt(long minPosition, long deadline, Promise<Void> reached) {
        workers.executeBlocking(projectedThrough::getAsLong, false).onComplete(asked -> {
            if (asked.failed()) {
                reached.fail(asked.cause());
                return;
            }
            if (asked.result() >= minPosition) {
                reached.complete();
            } else if (System.nanoTime() - deadline > 0) {
                reached.fail(ApiError.unavailable("minPosition", "the " + AccountsProjection.NAME
                        + " projection has not reached position " + minPosition + " within " + timeout.toSeconds()
                        + " s (it is at " + asked.result() + "); retry later", Failures.RETRY_AFTER,
                        Map.of("checkpoint", asked.result(), "minPosition", minPosition)));
            } else {
                vertx.setTimer(CHECK_EVERY_MS, timer -> attempt(minPosition, deadline, reached));
            }
        });
    }
}
