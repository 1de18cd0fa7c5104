package io.lockstep.vertx;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Maps HTTP requests under a prefix onto {@link ManagementCommand}s; answers JSON, errors as {"error": ...}.
 * {@code HEAD} is served wherever {@code GET} is, with the same status and headers and no body.
 */
final class ManagementHttpHandler implements Handler<HttpServerRequest> {

    private static final int MAX_BODY = 4096;

    private final ProjectionManagement management;
    private final String prefix;

    ManagementHttpHandler(ProjectionManagement management, String prefix) {
        this.management = management;
        String trimmed = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        this.prefix = trimmed;
    }

    @Override
    public void handle(HttpServerRequest request) {
        String path = request.path();
        if (!path.equals(prefix) && !path.startsWith(prefix + "/")) {
            answer(request, 404, error("no management resource at " + path));
            return;
        }
        String[] parts =
                path.substring(prefix.length()).replaceAll("^/+|/+$", "").split("/");
        try {
            route(request, parts.length == 1 && parts[0].isEmpty() ? new String[0] : parts);
        } catch (ManagementException e) {
            answer(request, e.statusCode(), error(e.getMessage()));
        } catch (IllegalArgumentException e) {
            answer(request, 400, error("malformed request path " + path + ": " + e.getMessage()));
        }
    }

    private void route(HttpServerRequest request, String[] parts) {
        if (parts.length == 0) {
            requireMethod(request, HttpMethod.GET);
            reply(request, management.execute(new ManagementCommand.Status()));
            return;
        }
        String name = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
        String tenant = request.getParam("tenant");
        if (parts.length == 1) {
            requireMethod(request, HttpMethod.GET);
            reply(request, management.status(new ManagementCommand.Target(name, tenant)));
            return;
        }
        if (parts.length > 2) {
            throw ManagementException.notFound("no management resource at " + request.path());
        }
        requireMethod(request, HttpMethod.POST);
        switch (parts[1]) {
            case "pause", "resume", "replay" ->
                reply(
                        request,
                        management.execute(ManagementCommand.parse(new JsonObject()
                                .put("action", parts[1])
                                .put("projection", name)
                                .put("tenant", tenant))));
            case "reset" ->
                withBody(
                        request,
                        body -> ManagementCommand.parse(body.copy()
                                .put("action", "reset")
                                .put("projection", name)
                                .put("tenant", tenant)));
            default ->
                throw ManagementException.notFound(
                        "unknown action '" + parts[1] + "'; use pause, resume, replay or reset");
        }
    }

    private void withBody(HttpServerRequest request, java.util.function.Function<JsonObject, ManagementCommand> parse) {
        String declared = request.getHeader("Content-Length");
        if (declared != null && declared.matches("\\d{1,18}") && Long.parseLong(declared) > MAX_BODY) {
            throw ManagementException.tooLarge(
                    "body of " + declared + " bytes is larger than " + MAX_BODY + "; send {\"position\": n}");
        }
        request.body()
                .onSuccess(buffer -> {
                    try {
                        if (buffer.length() > MAX_BODY) {
                            throw ManagementException.tooLarge("body of " + buffer.length() + " bytes is larger than "
                                    + MAX_BODY + "; send {\"position\": n}");
                        }
                        JsonObject body;
                        try {
                            body = buffer.length() == 0 ? new JsonObject() : buffer.toJsonObject();
                        } catch (DecodeException | ClassCastException e) {
                            throw ManagementException.badRequest(
                                    "malformed JSON body: expected an object like {\"position\": 42}");
                        }
                        reply(request, management.execute(parse.apply(body)));
                    } catch (ManagementException e) {
                        answer(request, e.statusCode(), error(e.getMessage()));
                    } catch (RuntimeException e) {
                        // Whatever went wrong, the request gets an answer instead of hanging until the client gives up.
                        answer(request, 400, error("could not handle the body: " + e));
                    }
                })
                .onFailure(failure -> answer(request, 400, error("could not read the body: " + failure.getMessage())));
    }

    private static void requireMethod(HttpServerRequest request, HttpMethod method) {
        boolean head = method.equals(HttpMethod.GET) && request.method().equals(HttpMethod.HEAD);
        if (!request.method().equals(method) && !head) {
            String allowed = method.equals(HttpMethod.GET) ? "GET, HEAD" : method.name();
            request.response().putHeader("Allow", allowed);
            throw ManagementException.methodNotAllowed(
                    request.method().name() + " " + request.path() + " is not supported; use " + allowed);
        }
    }

    private void reply(HttpServerRequest request, Future<JsonObject> result) {
        result.onSuccess(json -> answer(request, 200, json)).onFailure(failure -> {
            int status = ProjectionManagement.code(failure);
            if (status == 503) {
                request.response()
                        .putHeader("Retry-After", String.valueOf(ProjectionManagement.RETRY_AFTER.toSeconds()));
            }
            answer(request, status, error(ProjectionManagement.message(failure)));
        });
    }

    private static JsonObject error(String message) {
        return new JsonObject().put("error", message);
    }

    private static void answer(HttpServerRequest request, int status, JsonObject body) {
        if (!request.response().ended()) {
            if (status == 413 && request.version() != HttpVersion.HTTP_2) {
                // The body was refused unread: close the connection after the answer, so the unread rest
                // cannot keep it (and a graceful server shutdown) waiting for a request that never ends.
                request.response().putHeader("Connection", "close");
            }
            endJson(request, status, body);
        }
    }

    /**
     * Ends the response with {@code body}, or, for {@code HEAD}, with its length and no body (Vert.x leaves a
     * HEAD answer's body out on HTTP/1.x but sends it on HTTP/2).
     */
    static void endJson(HttpServerRequest request, int status, JsonObject body) {
        io.vertx.core.buffer.Buffer bytes = body.toBuffer();
        request.response().setStatusCode(status).putHeader("Content-Type", "application/json");
        if (request.method().equals(HttpMethod.HEAD)) {
            request.response()
                    .putHeader("Content-Length", String.valueOf(bytes.length()))
                    .end();
        } else {
            request.response().end(bytes);
        }
    }
}
