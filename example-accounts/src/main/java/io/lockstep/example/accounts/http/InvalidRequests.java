package io.lockstep.example.accounts.http;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * Answers requests the HTTP/1.x decoder could not read, in the API's JSON: 414 for a request line longer than
 * {@value HttpServerOptions#DEFAULT_MAX_INITIAL_LINE_LENGTH} bytes, 431 for headers over
 * {@value HttpServerOptions#DEFAULT_MAX_HEADER_SIZE} bytes, 400 for anything else malformed. The connection
 * closes after the answer (the decoder cannot tell where the next request would start).
 */
final class InvalidRequests {

    private InvalidRequests() {}

    static void answer(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        int status;
        String message;
        if (cause instanceof TooLongHttpLineException) {
            status = 414;
            message = "the request line is longer than " + HttpServerOptions.DEFAULT_MAX_INITIAL_LINE_LENGTH
                    + " bytes: shorten the path or the query (account ids have at most 64 characters)";
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = 431;
            message = "the request headers are larger than " + HttpServerOptions.DEFAULT_MAX_HEADER_SIZE
                    + " bytes together: send fewer or shorter headers";
        } else {
            status = 400;
            message = "the request is not well-formed HTTP" + (cause == null ? "" : " (" + cause.getMessage() + ")");
        }
        request.response()
                .setStatusCode(status)
                .putHeader("content-type", "application/json")
                .putHeader("connection", "close")
                .end(new JsonObject().put("error", message).putNull("field").encode())
                .onComplete(done -> request.connection().close());
    }
}
