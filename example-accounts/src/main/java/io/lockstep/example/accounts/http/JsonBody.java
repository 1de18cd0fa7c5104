package io.lockstep.example.accounts.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;

/**
 * Reads a request body of up to {@link #MAX_BYTES} bytes, whatever its {@code Content-Type}, for the handlers
 * after it to parse as JSON ({@link #of}). No form decoding: {@code curl -d '{"amount": 500}'} sends JSON
 * labelled {@code application/x-www-form-urlencoded}, and it is read as the JSON it is. A multipart body
 * (which can never be the JSON the API takes) is refused with 415 naming its type; a body over the limit
 * with 413, as soon as its {@code Content-Length} or its bytes pass it (the rest is not read, and the
 * connection closes after the answer). Register it as the first handler of a route.
 */
final class JsonBody implements Handler<RoutingContext> {

    /** The largest request body accepted: 4 KiB. */
    static final int MAX_BYTES = 4096;

    private static final String KEY = "accounts.body";

    /** @return the body read for this request (empty when none was sent) */
    static Buffer of(RoutingContext ctx) {
        Buffer body = ctx.get(KEY);
        return body == null ? Buffer.buffer() : body;
    }

    /** @return the request's declared content type, for messages ("none" when it declared none) */
    static String contentType(RoutingContext ctx) {
        String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        return type == null ? "none" : type;
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (type != null && type.strip().toLowerCase(Locale.ROOT).startsWith("multipart/")) {
            ctx.fail(new ApiError(
                    415,
                    null,
                    "Content-Type " + type + " is not JSON: send the body as JSON"
                            + " (Content-Type: application/json), e.g. {\"amount\": 500}"));
            return;
        }
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && length.strip().matches("\\d{1,18}") && Long.parseLong(length.strip()) > MAX_BYTES) {
            ctx.fail(tooLarge(length.strip() + " bytes"));
            return;
        }
        if (request.isEnded()) {
            ctx.next(); // nothing left to read: no body
            return;
        }
        if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
            request.response().writeContinue();
        }
        Buffer body = Buffer.buffer();
        boolean[] refused = {false};
        request.handler(chunk -> {
            if (refused[0]) {
                return;
            }
            if (body.length() + chunk.length() > MAX_BYTES) {
                refused[0] = true;
                ctx.fail(tooLarge("more than " + MAX_BYTES + " bytes"));
                return;
            }
            body.appendBuffer(chunk);
        });
        request.endHandler(end -> {
            if (!refused[0]) {
                ctx.put(KEY, body);
                ctx.next();
            }
        });
        request.exceptionHandler(failure -> {
            if (!refused[0] && !ctx.response().ended()) {
                refused[0] = true;
                ctx.fail(new ApiError(400, null, "could not read the request body: " + failure.getMessage()));
            }
        });
        request.resume();
    }

    static ApiError tooLarge(String size) {
        return new ApiError(
                413,
                null,
                "the request body (" + size + ") is larger than the " + MAX_BYTES
                        + " bytes the API accepts; send a JSON object like {\"amount\": 500}");
    }
}
