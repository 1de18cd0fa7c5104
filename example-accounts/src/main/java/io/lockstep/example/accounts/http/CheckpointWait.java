package io.lockstep.example.accounts.http;

import io.lockstep.example.accounts.readmodel.AccountsProjection;
import io.lockstep.projection.CheckpointTimeoutException;
import io.lockstep.projection.ProjectionHost;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;

/**
 * Read-your-writes: holds a read until the projection has processed a position the client got from a
 * command ({@code ?minPosition=N}). The projection is partitioned and its partitions may run in other
 * processes, so this waits with the library's {@link ProjectionHost#awaitProjected}, which asks the database
 * how far every partition got, off the event loop, until the answer reaches N or the timeout passes.
 */
final class CheckpointWait {

    /** How long a read waits for {@code minPosition} before answering 503. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private final Vertx vertx;
    private final ProjectionHost host;
    private final Duration timeout;

    /** @param host the node the reads ask, on the reads' pool */
    CheckpointWait(Vertx vertx, ProjectionHost host, Duration timeout) {
        this.vertx = vertx;
        this.host = host;
        this.timeout = timeout;
    }

    /**
     * @return a future that succeeds once the projection has processed every event up to {@code minPosition},
     *         or fails with a 503 {@link ApiError} carrying how far it got after the timeout
     */
    Future<Void> until(long minPosition) {
        return Future.fromCompletionStage(
                        host.awaitProjected(AccountsProjection.NAME, minPosition, timeout), vertx.getOrCreateContext())
                .<Void>mapEmpty()
                .recover(failure -> Future.failedFuture(answer(unwrapped(failure), minPosition)));
    }

    private Throwable answer(Throwable failure, long minPosition) {
        if (!(failure instanceof CheckpointTimeoutException timedOut)) {
            return failure;
        }
        return ApiError.unavailable(
                "minPosition",
                "the " + AccountsProjection.NAME + " projection has not reached"
                        + " position " + minPosition + " within " + timeout.toSeconds() + " s (it is at "
                        + timedOut.checkpoint() + "); retry later",
                Failures.RETRY_AFTER,
                Map.of("checkpoint", timedOut.checkpoint(), "minPosition", minPosition));
    }

    private static Throwable unwrapped(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }
}
