package io.lockstep.example.accounts.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lockstep.example.accounts.domain.AccountCommand;
import io.lockstep.example.accounts.domain.AccountCommands;
import io.lockstep.example.accounts.domain.IdempotencyKey;
import io.lockstep.example.accounts.readmodel.AccountsProjection;
import io.lockstep.example.accounts.readmodel.ReadModels;
import io.lockstep.projection.ProjectionHost;
import io.lockstep.vertx.ProjectionHealth;
import io.lockstep.vertx.ProjectionManagement;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;

/**
 * The HTTP API (JSON). Commands and reads run JDBC on worker pools of their own (so slow reads never hold
 * the threads commands need), never on the event loop.
 *
 * <ul>
 *   <li>{@code POST /accounts} {@code {"owner", "initialDeposit", "accountId"?}}: 201 {@code {"accountId", "position"}}</li>
 *   <li>{@code POST /accounts/{id}/deposits|withdrawals} {@code {"amount"}}, {@code POST /accounts/{id}/close}:
 *       200 {@code {"accountId", "version", "position"}}</li>
 *   <li>{@code GET /accounts/{id}}, {@code GET /owners/{owner}}, with {@code ?minPosition=N}</li>
 *   <li>{@code /projections...} (management), {@code GET /health}, {@code GET /metrics} (Prometheus)</li>
 * </ul>
 * Commands take an {@code Idempotency-Key} header (see {@link AccountCommands}); a replayed answer carries
 * {@code Idempotent-Replayed: true}. Every answer but metrics is JSON, errors {@code {"error", "field"}}: 400
 * bad input, 404 unknown account or path, 405 (with {@code Allow}) a known path with another method, 409
 * refused by the account's rules or by contention, 413 body over {@link JsonBody#MAX_BYTES}, 414 and 431
 * request line or headers too long, 415 a multipart body, 422 an idempotency key reused for another command,
 * 503 (with {@code Retry-After}) the database unavailable or a read not caught up. Nothing is appended for
 * any 4xx. A command whose event got no position within the wait answers 202 without one.
 */
public final class AccountsApi {

    /** The largest request body accepted. */
    public static final int MAX_BODY_BYTES = JsonBody.MAX_BYTES;
    /** Threads running reads: one per connection of the reads pool. */
    public static final int READ_WORKERS = 8;
    /** Threads running commands: fewer than the commands pool's connections, which the sequencer shares. */
    public static final int COMMAND_WORKERS = 12;
    /** The header that makes a command safe to repeat. */
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String COMMAND = "accounts.command";

    private final Vertx vertx;
    private final AccountCommands commands;
    private final ReadModels readModels;
    private final CheckpointWait checkpointWait;
    private final LongSupplier projectedThrough;
    private final Handler<HttpServerRequest> management;
    private final Handler<HttpServerRequest> health;
    private final PrometheusMeterRegistry registry;
    private final WorkerExecutor readWorkers;
    private final WorkerExecutor commandWorkers;

    /**
     * @param readView the node the reads ask how far the projection they are served from got, in every partition
     *                 ({@code ?minPosition} waits with its {@code awaitProjected}); it reads on the reads' pool
     */
    public AccountsApi(
            Vertx vertx,
            AccountCommands commands,
            ReadModels readModels,
            ProjectionHost readView,
            ProjectionManagement management,
            ProjectionHealth health,
            PrometheusMeterRegistry registry) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.commands = Objects.requireNonNull(commands, "commands");
        this.readModels = Objects.requireNonNull(readModels, "readModels");
        this.readWorkers = vertx.createSharedWorkerExecutor("accounts-reads", READ_WORKERS);
        this.commandWorkers = vertx.createSharedWorkerExecutor("accounts-commands", COMMAND_WORKERS);
        Objects.requireNonNull(readView, "readView");
        this.projectedThrough = () -> readView.projectedThrough(AccountsProjection.NAME);
        this.checkpointWait = new CheckpointWait(vertx, readView, CheckpointWait.DEFAULT_TIMEOUT);
        this.management = management.httpHandler("/projections");
        this.health = management.healthHandler(health);
        this.registry = registry;
    }

    /** @return the routes, for {@code vertx.createHttpServer().requestHandler(...)} */
    public Router router() {
        return router(Map.of());
    }

    /**
     * @param moreReads further {@code GET} resources by path (e.g. the optional Redis read model's), served for
     *                  {@code HEAD} too and answered 405 with {@code Allow} for another method like the API's own
     * @return the routes, for {@code vertx.createHttpServer().requestHandler(...)}
     */
    public Router router(Map<String, Handler<RoutingContext>> moreReads) {
        Router router = Router.router(vertx);
        Routes routes = new Routes(router);
        JsonBody body = new JsonBody();
        routes.post("/accounts", body, this::open);
        routes.post("/accounts/:id/deposits", body, ctx -> {
            long amount =
                    Requests.amount(Requests.parse(ctx, Requests.Movement.class).amount(), "amount");
            command(ctx, 200, new AccountCommand.Deposit(accountId(ctx), amount));
        });
        routes.post("/accounts/:id/withdrawals", body, ctx -> {
            long amount =
                    Requests.amount(Requests.parse(ctx, Requests.Movement.class).amount(), "amount");
            command(ctx, 200, new AccountCommand.Withdraw(accountId(ctx), amount));
        });
        routes.post("/accounts/:id/close", body, ctx -> {
            Requests.parse(ctx, Requests.Close.class);
            command(ctx, 200, new AccountCommand.Close(accountId(ctx)));
        });
        routes.get("/accounts/:id", ctx -> {
            String id = accountId(ctx);
            read(ctx, () -> readModels.account(id), "account " + id);
        });
        routes.get("/owners/:owner", ctx -> {
            String owner = validOwner(ctx.pathParam("owner"));
            read(ctx, () -> readModels.owner(owner), "owner " + owner);
        });
        moreReads.forEach(routes::get);
        router.route("/projections*").handler(ctx -> management.handle(ctx.request()));
        routes.get("/health", ctx -> health.handle(ctx.request()));
        routes.get(
                "/metrics",
                ctx -> end(ctx, 200, "text/plain; version=0.0.4; charset=utf-8", Buffer.buffer(registry.scrape())));
        router.route().last().handler(ctx -> fail(ctx, routes.unrouted(ctx)));
        router.route().failureHandler(this::failure);
        // A path Vert.x cannot decode (a broken percent escape) fails before any route matches.
        router.errorHandler(400, ctx -> fail(ctx, undecodable(ctx)));
        return router;
    }

    /** A '%' not followed by two hexadecimal digits. */
    private static final java.util.regex.Pattern BROKEN_ESCAPE = java.util.regex.Pattern.compile("%(?![0-9A-Fa-f]{2})");

    private static ApiError undecodable(RoutingContext ctx) {
        String path = ctx.request().path();
        return path != null && BROKEN_ESCAPE.matcher(path).find()
                ? ApiError.badRequest(
                        null,
                        "the path " + path + " has a broken percent escape: percent-encode a '%' in an id or a name"
                                + " as %25")
                : ApiError.badRequest(null, "the request " + ctx.request().method() + " " + path + " is malformed");
    }

    /**
     * Answers a request the HTTP decoder refused (request line or headers too long, malformed), in JSON;
     * for {@code HttpServer.invalidRequestHandler}. The connection closes after the answer.
     */
    public void invalidRequest(HttpServerRequest request) {
        InvalidRequests.answer(request);
    }

    private void open(RoutingContext ctx) {
        Requests.OpenAccount request = Requests.parse(ctx, Requests.OpenAccount.class);
        if (request.owner() == null) {
            throw ApiError.badRequest(
                    "owner", "owner is required: a name of 1 to " + AccountCommands.MAX_OWNER_LENGTH + " characters");
        }
        try {
            AccountCommands.requireOwner(request.owner());
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("owner", e.getMessage());
        }
        long deposit = Requests.amount(request.initialDeposit(), "initialDeposit");
        Optional<String> id = Optional.ofNullable(request.accountId()).map(value -> validAccountId(value, "accountId"));
        command(ctx, 201, new AccountCommand.Open(id, request.owner(), deposit));
    }

    private void command(RoutingContext ctx, int status, AccountCommand command) {
        Optional<IdempotencyKey> key = idempotencyKey(ctx);
        ctx.put(COMMAND, true);
        blocking(commandWorkers, () -> commands.handle(command, key))
                .onSuccess(outcome -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("accountId", outcome.accountId());
                    body.put("version", outcome.version());
                    outcome.position().ifPresent(position -> body.put("position", position));
                    if (status == 201) {
                        ctx.response().putHeader("location", "/accounts/" + outcome.accountId());
                    }
                    if (outcome.replayed()) {
                        ctx.response().putHeader("Idempotent-Replayed", "true");
                    }
                    respond(ctx, outcome.position().isPresent() ? status : 202, body);
                })
                .onFailure(ctx::fail);
    }

    private static Optional<IdempotencyKey> idempotencyKey(RoutingContext ctx) {
        String value = ctx.request().getHeader(IDEMPOTENCY_KEY);
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new IdempotencyKey(value));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(IDEMPOTENCY_KEY, e.getMessage());
        }
    }

    private void read(RoutingContext ctx, Callable<Optional<?>> query, String what) {
        minPosition(ctx)
                .compose(ignored -> blocking(readWorkers, () -> {
                    Optional<?> row = query.call();
                    return new Found(row, row.isPresent() ? -1 : projectedThrough.getAsLong());
                }))
                .onSuccess(found -> {
                    if (found.row().isPresent()) {
                        respond(ctx, 200, found.row().get());
                    } else {
                        fail(
                                ctx,
                                new ApiError(
                                        404,
                                        null,
                                        what + " is not in the read model (the projection is at position "
                                                + found.projectedThrough() + ")"));
                    }
                })
                .onFailure(ctx::fail);
    }

    /** A read's row, or how far the projection had got when it was not there. */
    private record Found(Optional<?> row, long projectedThrough) {}

    private Future<Void> minPosition(RoutingContext ctx) {
        String value = ctx.request().getParam("minPosition");
        if (value == null) {
            return Future.succeededFuture();
        }
        long minPosition;
        try {
            minPosition = Long.parseLong(value);
        } catch (NumberFormatException e) {
            return Future.failedFuture(ApiError.badRequest(
                    "minPosition",
                    "minPosition '" + value + "' is not a position: give the whole number a command answered with"));
        }
        if (minPosition < -1) {
            return Future.failedFuture(ApiError.badRequest(
                    "minPosition", "minPosition " + minPosition + " is not a position: positions start at -1"));
        }
        return checkpointWait.until(minPosition);
    }

    private static <T> Future<T> blocking(WorkerExecutor workers, Callable<T> work) {
        return workers.executeBlocking(work, false);
    }

    private static String accountId(RoutingContext ctx) {
        return validAccountId(ctx.pathParam("id"), "accountId");
    }

    private static String validOwner(String value) {
        try {
            return AccountCommands.requireOwner(value);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("owner", e.getMessage());
        }
    }

    private static String validAccountId(String value, String field) {
        try {
            return AccountCommands.requireAccountId(value);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(field, e.getMessage());
        }
    }

    private void failure(RoutingContext ctx) {
        boolean isCommand = Boolean.TRUE.equals(ctx.get(COMMAND));
        fail(
                ctx,
                Failures.toApiError(
                        ctx.failure(),
                        ctx.statusCode(),
                        isCommand,
                        ctx.request().method() + " " + ctx.request().path()));
    }

    private static void fail(RoutingContext ctx, ApiError error) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error.getMessage());
        body.put("field", error.field());
        body.putAll(error.details());
        error.retryAfter()
                .ifPresent(after ->
                        ctx.response().putHeader("Retry-After", String.valueOf(Math.max(1, after.toSeconds()))));
        respond(ctx, error.status(), body);
    }

    private static void respond(RoutingContext ctx, int status, Object body) {
        if (ctx.response().ended()) {
            return;
        }
        if ((status == 413 || status == 415) && ctx.request().version() != HttpVersion.HTTP_2) {
            ctx.response().putHeader("connection", "close"); // the rest of the body stays unread (HTTP/1.x)
        }
        String json;
        try {
            json = JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            status = 500;
            json = "{\"error\":\"could not encode the response\",\"field\":null}";
        }
        end(ctx, status, "application/json", Buffer.buffer(json));
    }

    private static void end(RoutingContext ctx, int status, String contentType, Buffer body) {
        Responses.end(ctx, status, contentType, body);
    }
}
