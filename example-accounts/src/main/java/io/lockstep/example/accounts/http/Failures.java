package io.lockstep.example.accounts.http;

import io.lockstep.example.accounts.domain.AccountRejection;
import io.lockstep.example.accounts.domain.DatabaseUnavailable;
import io.lockstep.example.accounts.domain.IdempotencyKeyReused;
import io.lockstep.projection.TransientStoreException;
import io.vertx.ext.web.handler.HttpException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns whatever a request failed with into the answer the client gets: refusals keep their status; a
 * database that is unreachable, overloaded or blocked by a lock becomes a 503 with {@code Retry-After} in the
 * API's words; anything else a 500 with a reference to the log entry (never an exception's class name).
 */
final class Failures {

    /** What {@code Retry-After} asks a client to wait when the database is unavailable: 2 s. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(2);

    private static final Logger LOG = LoggerFactory.getLogger(Failures.class);

    private Failures() {}

    /**
     * @param failure    what the request failed with (null when it failed with a status only)
     * @param status     the status the routing context failed with, when no exception
     * @param isCommand  whether the request was a command (its outcome may be unknown)
     * @param request    the method and path, for the log
     */
    static ApiError toApiError(Throwable failure, int status, boolean isCommand, String request) {
        return switch (failure) {
            case null ->
                status == 413
                        ? JsonBody.tooLarge("more than " + JsonBody.MAX_BYTES + " bytes")
                        : new ApiError(status, null, "request failed with status " + status);
            case ApiError api -> api;
            case HttpException http ->
                http.getStatusCode() == 413
                        ? JsonBody.tooLarge("more than " + JsonBody.MAX_BYTES + " bytes")
                        : new ApiError(
                                http.getStatusCode(), null, "request failed with status " + http.getStatusCode());
            case AccountRejection.UnknownAccount unknown -> new ApiError(404, "accountId", unknown.getMessage());
            case AccountRejection rejection -> new ApiError(409, null, rejection.getMessage());
            case IdempotencyKeyReused reused -> new ApiError(422, "Idempotency-Key", reused.getMessage());
            case IllegalArgumentException invalid -> ApiError.badRequest(null, invalid.getMessage());
            case DatabaseUnavailable unavailable -> unavailable(unavailable.reason(), isCommand);
            case TransientStoreException store -> unavailable("the database is unreachable or overloaded", isCommand);
            default -> internal(failure, request);
        };
    }

    private static ApiError unavailable(String reason, boolean isCommand) {
        return ApiError.unavailable(
                null,
                isCommand
                        ? "the command could not be carried out: " + reason + ". Retry in " + RETRY_AFTER.toSeconds()
                                + " s; if it may have been stored already, retry with the same Idempotency-Key (then it is stored once)"
                        : "the read model could not be read: " + reason + ". Retry in " + RETRY_AFTER.toSeconds()
                                + " s",
                RETRY_AFTER,
                Map.of());
    }

    private static ApiError internal(Throwable failure, String request) {
        String reference = UUID.randomUUID().toString().substring(0, 8);
        LOG.error("{} failed (reference {})", request, reference, failure);
        return new ApiError(
                500, null, "internal error (reference " + reference + "); the application's log" + " has the details");
    }
}
