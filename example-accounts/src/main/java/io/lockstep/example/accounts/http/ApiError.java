package io.lockstep.example.accounts.http;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A request the API refuses or cannot serve, with the HTTP status and the request field at fault (null when
 * none is). The response body is {@code {"error": message, "field": field, ...details}}; a 503 carries
 * {@code Retry-After}.
 */
final class ApiError extends RuntimeException {

    private final int status;
    private final String field;
    private final Map<String, Object> details;
    private final Optional<Duration> retryAfter;

    ApiError(int status, String field, String message) {
        this(status, field, message, Map.of());
    }

    /** @param details more members of the response body, e.g. the checkpoint a read gave up at */
    ApiError(int status, String field, String message, Map<String, Object> details) {
        this(status, field, message, details, Optional.empty());
    }

    private ApiError(
            int status, String field, String message, Map<String, Object> details, Optional<Duration> retryAfter) {
        super(message, null, false, false);
        this.status = status;
        this.field = field;
        this.details = Map.copyOf(details);
        this.retryAfter = retryAfter;
    }

    static ApiError badRequest(String field, String message) {
        return new ApiError(400, field, message);
    }

    /** @return a 503 telling the client to retry after {@code retryAfter} */
    static ApiError unavailable(String field, String message, Duration retryAfter, Map<String, Object> details) {
        return new ApiError(503, field, message, details, Optional.of(retryAfter));
    }

    int status() {
        return status;
    }

    String field() {
        return field;
    }

    Map<String, Object> details() {
        return details;
    }

    /** @return how long the client should wait before retrying, for {@code Retry-After} */
    Optional<Duration> retryAfter() {
        return retryAfter;
    }
}
