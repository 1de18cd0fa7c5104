package io.lockstep.example.accounts.http;

import java.util.Map;

/**
 * A request the API refuses, with the HTTP status and the request field at fault (null when none is). The
 * response body is {@code {"error": message, "field": field}}.
 */
final class ApiError extends RuntimeException {

    private final int status;
    private final String field;
    private final Map<String, Object> details;

    ApiError(int status, String field, String message) {
        this(status, field, message, Map.of());
    }

    /** @param details more members of the response body, e.g. the checkpoint a read gave up at */
    ApiError(int status, String field, String message, Map<String, Object> details) {
        super(message);
        this.status = status;
        this.field = field;
        this.details = Map.copyOf(details);
    }

    static ApiError badRequest(String field, String message) {
        return new ApiError(400, field, message);
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
}
