package io.lockstep.example.accounts.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Ends HTTP answers the same way on every route, HEAD included. */
public final class Responses {

    private Responses() {}

    /**
     * Ends the response with {@code body}, or, for {@code HEAD}, with its length and no body (Vert.x leaves a
     * HEAD answer's body out on HTTP/1.x but sends it on HTTP/2).
     */
    public static void end(RoutingContext ctx, int status, String contentType, Buffer body) {
        ctx.response().setStatusCode(status).putHeader("content-type", contentType);
        if (ctx.request().method() == HttpMethod.HEAD) {
            ctx.response()
                    .putHeader("content-length", String.valueOf(body.length()))
                    .end();
        } else {
            ctx.response().end(body);
        }
    }

    /** {@link #end} with {@code body} as JSON. */
    public static void endJson(RoutingContext ctx, int status, JsonObject body) {
        end(ctx, status, "application/json", body.toBuffer());
    }
}
