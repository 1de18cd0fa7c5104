package io.lockstep.example.accounts.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Registers the API's resources on a router and remembers which methods each path takes, so that a known path
 * asked with another method answers 405 with {@code Allow}, and every {@code GET} is served for {@code HEAD}
 * too (Vert.x sends a HEAD answer's headers without its body).
 */
final class Routes {

    private final Router router;
    private final Map<String, Set<String>> methods = new LinkedHashMap<>();
    private final List<Map.Entry<Pattern, String>> patterns = new ArrayList<>();

    Routes(Router router) {
        this.router = router;
    }

    /** Serves {@code GET} and {@code HEAD} on {@code path} (Vert.x Web syntax, e.g. {@code /accounts/:id}). */
    Routes get(String path, Handler<RoutingContext> handler) {
        router.get(path).handler(handler);
        router.head(path).handler(handler);
        return allow(path, "GET", "HEAD");
    }

    /** Serves {@code POST} on {@code path}: {@code body} reads the body first, then {@code handler} runs. */
    Routes post(String path, Handler<RoutingContext> body, Handler<RoutingContext> handler) {
        router.post(path).handler(body).handler(handler);
        return allow(path, "POST");
    }

    /**
     * @return the methods {@code path} takes (sorted, for {@code Allow}), or empty when no resource has that
     *         path
     */
    Optional<String> allowed(String path) {
        Set<String> allowed = new TreeSet<>();
        patterns.stream()
                .filter(entry -> entry.getKey().matcher(path).matches())
                .forEach(entry -> allowed.addAll(methods.get(entry.getValue())));
        return allowed.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", allowed));
    }

    /** Answers a request no route took: 405 with {@code Allow} for a known path, else 404. */
    ApiError unrouted(RoutingContext ctx) {
        HttpMethod method = ctx.request().method();
        String path = ctx.request().path();
        return allowed(path)
                .map(allow -> {
                    ctx.response().putHeader("Allow", allow);
                    return new ApiError(405, null, method + " is not allowed on " + path + "; it takes " + allow);
                })
                .orElseGet(() -> new ApiError(404, null, "no resource at " + method + " " + path));
    }

    private Routes allow(String path, String... verbs) {
        if (!methods.containsKey(path)) {
            patterns.add(Map.entry(Pattern.compile(path.replaceAll(":[A-Za-z]+", "[^/]+")), path));
        }
        methods.computeIfAbsent(path, p -> new TreeSet<>()).addAll(List.of(verbs));
        return this;
    }
}
