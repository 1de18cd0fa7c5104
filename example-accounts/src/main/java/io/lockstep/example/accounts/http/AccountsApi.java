package io.lockstep.example.accounts.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lockstep.example.accounts.domain.AccountCommands;
import io.lockstep.example.accounts.domain.AccountCommands.Outcome;
import io.lockstep.example.accounts.domain.AccountRejection;
import io.lockstep.example.accounts.readmodel.ReadModels;
import io.lockstep.projection.CheckpointStore;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.vertx.ProjectionHealth;
import io.lockstep.vertx.ProjectionManagement;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API (JSON). Commands and reads run JDBC on Vert.x's worker pool, never on the event loop.
 *
 * <ul>
 *   <li>{@code POST /accounts} {@code {"owner", "initialDeposit", "accountId"?}}: 201 {@code {"accountId", "position"}}</li>
 *   <li>{@code POST /accounts/{id}/deposits|withdrawals} {@code {"amount"}}, {@code POST /accounts/{id}/close}:
 *       200 {@code {"accountId", "version", "position"}}</li>
 *   <li>{@code GET /accounts/{id}}, {@code GET /owners/{owner}}, with {@code ?minPosition=N}</li>
 *   <li>{@code /projections...} (management), {@code GET /health}, {@code GET /metrics} (Prometheus)</li>
 * </ul>
 * Refusals are {@code {"error", "field"}}: 400 bad input, 404 unknown account, 409 refused by the account's
 * rules or by contention, 413 body over {@link #MAX_BODY_BYTES}, 503 read not caught up. Nothing is appended
 * for any 4xx. A command whose event got no position within the wait answers 202 without one.
 */
public final class AccountsApi {

    /** The largest request body accepted. */
    public static final int MAX_BODY_BYTES = 4096;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Logger LOG = LoggerFactory.getLogger(AccountsApi.class);

    private final Vertx vertx;
    private final AccountCommands commands;
    private final ReadModels readModels;
    private final CheckpointWait checkpointWait;
    private final Handler<HttpServerRequest> management;
    private final Handler<HttpServerRequest> health;
    private final PrometheusMeterRegistry registry;

    /**
     * @param runner      the projection the reads are served from (its checkpoint answers {@code ?minPosition})
     * @param checkpoints where that projection's checkpoint is stored
     */
    public AccountsApi(Vertx vertx, AccountCommands commands, ReadModels readModels, ProjectionRunner runner,
                       CheckpointStore checkpoints, ProjectionManagement management, ProjectionHealth health,
                       PrometheusMeterRegistry registry) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.commands = Objects.requireNonNull(commands, "commands");
        this.readModels = Objects.requireNonNull(readModels, "readModels");
        this.checkpointWait = new CheckpointWait(vertx, Objects.requireNonNull(runner, "runner"),
                Objects.requireNonNull(checkpoints, "checkpoints"), CheckpointWait.DEFAULT_TIMEOUT);
        this.management = management.httpHandler("/projections");
        this.health = management.healthHandler(health);
        this.registry = registry;
    }

    /** @return the routes, for {@code vertx.createHttpServer().requestHandler(...)} */
    public Router router() {
        Router router = Router.router(vertx);
        router.post("/accounts*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
        router.post("/accounts").handler(this::open);
        router.post("/accounts/:id/deposits").handler(ctx -> {
            long amount = Requests.amount(Requests.parse(ctx.body().buffer(), Requests.Movement.class).amount(), "amount");
            command(ctx, 200, () -> commands.deposit(accountId(ctx), amount));
        });
        router.post("/accounts/:id/withdrawals").handler(ctx -> {
            long amount = Requests.amount(Requests.parse(ctx.body().buffer(), Requests.Movement.class).amount(), "amount");
            command(ctx, 200, () -> commands.withdraw(accountId(ctx), amount));
        });
        router.post("/accounts/:id/close").handler(ctx -> {
            Requests.parse(ctx.body().buffer(), Requests.Close.class);
            command(ctx, 200, () -> commands.close(accountId(ctx)));
        });
        router.get("/accounts/:id").handler(ctx -> {
            String id = accountId(ctx);
            read(ctx, () -> readModels.account(id), "account " + id);
        });
        router.get("/owners/:owner").handler(ctx -> {
            String owner = ctx.pathParam("owner");
            read(ctx, () -> readModels.owner(owner), "owner " + owner);
        });
        router.route("/projections*").handler(ctx -> management.handle(ctx.request()));
        router.get("/health").handler(ctx -> health.handle(ctx.request()));
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(registry.scrape()));
        router.route().last().handler(ctx -> fail(ctx, new ApiError(404, null,
                "no resource at " + ctx.request().method() + " " + ctx.request().path())));
        router.route().failureHandler(this::failure);
        return router;
    }

    private void open(RoutingContext ctx) {
        Requests.OpenAccount request = Requests.parse(ctx.body().buffer(), Requests.OpenAccount.class);
        if (request.owner() == null) {
            throw ApiError.badRequest("owner", "owner is required: a name of 1 to " + AccountCommands.MAX_OWNER_LENGTH
                    + " characters");
        }
        try {
            AccountCommands.requireOwner(request.owner());
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("owner", e.getMessage());
        }
        long deposit = Requests.amount(request.initialDeposit(), "initialDeposit");
        Optional<String> id = Optional.ofNullable(request.accountId()).map(value -> validAccountId(value, "accountId"));
        command(ctx, 201, () -> commands.open(id, request.owner(), deposit));
    }

    private void command(RoutingContext ctx, int status, Callable<Outcome> command) {
        blocking(command).onSuccess(outcome -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("accountId", outcome.accountId());
            body.put("version", outcome.version());
            outcome.position().ifPresent(position -> body.put("position", position));
            if (status == 201) {
                ctx.response().putHeader("location", "/accounts/" + outcome.accountId());
            }
            respond(ctx, outcome.position().isPresent() ? status : 202, body);
        }).onFailure(ctx::fail);
    }

    private void read(RoutingContext ctx, Callable<Optional<?>> query, String what) {
        minPosition(ctx).compose(ignored -> blocking(query)).onSuccess(row -> {
            if (row.isPresent()) {
                respond(ctx, 200, row.get());
            } else {
                fail(ctx, new ApiError(404, null, what + " is not in the read model (the projection is at position "
                        + checkpoint() + ")"));
            }
        }).onFailure(ctx::fail);
    }

    private Future<Void> minPosition(RoutingContext ctx) {
        String value = ctx.request().getParam("minPosition");
        if (value == null) {
            return Future.succeededFuture();
        }
        long minPosition;
        try {
            minPosition = Long.parseLong(value);
        } catch (NumberFormatException e) {
            return Future.failedFuture(ApiError.badRequest("minPosition", "minPosition '" + value
                    + "' is not a position: give the whole number a command answered with"));
        }
        if (minPosition < -1) {
            return Future.failedFuture(ApiError.badRequest("minPosition", "minPosition " + minPosition
                    + " is not a position: positions start at -1"));
        }
        return checkpointWait.until(minPosition);
    }

    private long checkpoint() {
        return checkpointWait.checkpoint();
    }

    private <T> Future<T> blocking(Callable<T> work) {
        return vertx.executeBlocking(work, false);
    }

    private static String accountId(RoutingContext ctx) {
        return validAccountId(ctx.pathParam("id"), "accountId");
    }

    private static String validAccountId(String value, String field) {
        try {
            return AccountCommands.requireAccountId(value);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(field, e.getMessage());
        }
    }

    private void failure(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        ApiError error = switch (failure) {
            case ApiError api -> api;
            case HttpException http -> new ApiError(http.getStatusCode(), null, http.getStatusCode() == 413
                    ? "the request body is larger than " + MAX_BODY_BYTES + " bytes"
                    : "request failed with status " + http.getStatusCode());
            case AccountRejection.UnknownAccount unknown -> new ApiError(404, "accountId", unknown.getMessage());
            case AccountRejection rejection -> new ApiError(409, null, rejection.getMessage());
            case IllegalArgumentException invalid -> ApiError.badRequest(null, invalid.getMessage());
            case null -> ctx.statusCode() == 413
                    ? new ApiError(413, null, "the request body is larger than " + MAX_BODY_BYTES + " bytes")
                    : new ApiError(ctx.statusCode(), null, "request failed with status " + ctx.statusCode());
            default -> {
                if (ctx.statusCode() == 413) {
                    yield new ApiError(413, null, "the request body is larger than " + MAX_BODY_BYTES + " bytes");
                }
                LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
                yield new ApiError(500, null, "internal error: " + failure.getClass().getSimpleName());
            }
        };
        fail(ctx, error);
    }

    private static void fail(RoutingContext ctx, ApiError error) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error.getMessage());
        body.put("field", error.field());
        body.putAll(error.details());
        respond(ctx, error.status(), body);
    }

    private static void respond(RoutingContext ctx, int status, Object body) {
        if (ctx.response().ended()) {
            return;
        }
        if (status == 413 && ctx.request().version() != HttpVersion.HTTP_2) {
            ctx.response().putHeader("connection", "close"); // the rest of the body stays unread (HTTP/1.x)
        }
        String json;
        try {
            json = JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            status = 500;
            json = "{\"error\":\"could not encode the response\",\"field\":null}";
        }
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(json);
    }
}
