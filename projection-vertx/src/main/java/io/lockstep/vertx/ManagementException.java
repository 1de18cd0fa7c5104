package io.lockstep.vertx;

import io.lockstep.projection.LockstepException;

/** A management command that cannot be carried out; {@link #statusCode()} is the HTTP-style code to answer. */
public final class ManagementException extends LockstepException {

    private static final long serialVersionUID = 1L;

    private final int statusCode;

    private ManagementException(int statusCode, String message) {
        super(message);
        this.statusCode = statusCode;
    }

    static ManagementException badRequest(String message) {
        return new ManagementException(400, message);
    }

    static ManagementException notFound(String message) {
        return new ManagementException(404, message);
    }

    static ManagementException methodNotAllowed(String message) {
        return new ManagementException(405, message);
    }

    static ManagementException tooLarge(String message) {
        return new ManagementException(413, message);
    }

    static ManagementException conflict(String message) {
        return new ManagementException(409, message);
    }

    /**
     * @return 400 (bad input), 404 (unknown projection or resource), 405 (wrong HTTP method), 409 (not possible
     *         in its state) or 413 (body too large)
     */
    public int statusCode() {
        return statusCode;
    }
}
