package io.lockstep.vertx;

import io.lockstep.projection.ProjectionHost;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.ProjectionStatus;
import io.lockstep.projection.TransientStoreException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Operates the projections of one Vert.x instance: status, pause, resume, replay from -1 and reset, over
 * the event bus (address {@value #DEFAULT_ADDRESS}, JSON commands, see {@link ManagementCommand}) and over
 * HTTP ({@link #httpHandler(String)}, to mount on the application's own server or router).
 *
 * <p>Replies show the state after the command: a pause is answered once the runner has paused (its batch in
 * flight committed or rolled back), a resume once it has left PAUSED (for a partitioned projection: each of
 * this process's partition runners), each waiting at most
 * {@link #STATE_WAIT}. Replies never block the event loop: commands that touch the database run on worker
 * threads. Bad
 * input is answered with a failure code (400 bad input, 404 unknown projection, 409 not possible; 503 when the
 * store cannot be reached, over HTTP with {@code Retry-After}) and a
 * message naming the field, and changes nothing. Thread-safe.
 */
public final class ProjectionManagement {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ProjectionManagement.class);

    /** The default event-bus address of management commands. */
    public static final String DEFAULT_ADDRESS = "lockstep.projections";
    /** How long a pause or resume waits for the runner to show its effect before answering anyway: 5 s. */
    public static final java.time.Duration STATE_WAIT = java.time.Duration.ofSeconds(5);

    /**
     * What a 503 answer (the store could not be reached) asks the client to wait before retrying, in
     * {@code Retry-After}: 2 s.
     */
    public static final java.time.Duration RETRY_AFTER = java.time.Duration.ofSeconds(2);

    private static final java.time.Duration STATE_POLL = java.time.Duration.ofMillis(5);
    /** How long a health check waits for the partitions' owners before it answers without them. */
    static final java.time.Duration OWNERS_WAIT = java.time.Duration.ofSeconds(1);

    private final Vertx vertx;
    private final List<ProjectionRunner> runners = new CopyOnWriteArrayList<>();
    private final List<ProjectionHost> hosts = new CopyOnWriteArrayList<>();
    private final MessageConsumer<Object> consumer;
    /** The read of the partitions' owners in flight, shared by the health checks that come meanwhile. */
    private final java.util.concurrent.atomic.AtomicReference<Future<List<String>>> ownersRead =
            new java.util.concurrent.atomic.AtomicReference<>();

    private ProjectionManagement(Vertx vertx, String address) {
        this.vertx = vertx;
        this.consumer = vertx.eventBus().consumer(address, this::onMessage);
    }

    /** Listens for commands on {@value #DEFAULT_ADDRESS}. */
    public static ProjectionManagement create(Vertx vertx) {
        return create(vertx, DEFAULT_ADDRESS);
    }

    /** Listens for commands on {@code address}. */
    public static ProjectionManagement create(Vertx vertx, String address) {
        return new ProjectionManagement(
                Objects.requireNonNull(vertx, "vertx"), Objects.requireNonNull(address, "address"));
    }

    /** Makes {@code runner} manageable; {@link ProjectionVerticle} does this on deploy. */
    public void register(ProjectionRunner runner) {
        runners.add(Objects.requireNonNull(runner, "runner"));
    }

    /** Forgets {@code runner}; {@link ProjectionVerticle} does this on undeploy. */
    public void unregister(ProjectionRunner runner) {
        runners.remove(runner);
    }

    /**
     * Makes the projections {@code host} runs manageable as wholes (commands naming one act on all its partitions,
     * on every node) and shows the runners of the partitions it holds; {@link ProjectionVerticle#forHost} does this.
     */
    public void register(ProjectionHost host) {
        hosts.add(Objects.requireNonNull(host, "host"));
    }

    /** Forgets {@code host}. */
    public void unregister(ProjectionHost host) {
        hosts.remove(host);
    }

    /**
     * @return the status of every registered runner, by name, including the runners of the partitions this
     *         process's hosts hold now (named {@code projection[index/count]})
     */
    public List<ProjectionStatus> statuses() {
        return allRunners().stream()
                .map(ProjectionRunner::status)
                .sorted(Comparator.comparing(ProjectionStatus::name).thenComparing(ProjectionStatus::tenantId))
                .toList();
    }

    /**
     * Carries out {@code command}.
     *
     * @return the reply: {@code {"projections": [...]}} for status, else {@code {"projection": name, "status": {...}}};
     *         failed with a {@link ManagementException} for an unknown projection or an impossible command
     */
    public Future<JsonObject> execute(ManagementCommand command) {
        try {
            ProjectionHost host = hostOf(command);
            if (host != null) {
                return HostCommands.execute(vertx, host, command);
            }
            return switch (command) {
                case ManagementCommand.Status status ->
                    hosts.isEmpty()
                            ? Future.succeededFuture(statusReply())
                            : vertx.executeBlocking(this::statusReply, false);
                case ManagementCommand.Pause pause ->
                    onEach(pause.target(), runner -> {
                        runner.pause();
                        // A FAILED runner commits nothing, paused or not: no need to wait for it.
                        awaitState(runner, state -> state == ProjectionState.PAUSED || state == ProjectionState.FAILED);
                    });
                case ManagementCommand.Resume resume ->
                    onEach(resume.target(), runner -> {
                        ProjectionStatus before = runner.status();
                        runner.resume();
                        awaitStatus(runner, resumedFrom(before), stateDeadline());
                    });
                case ManagementCommand.Replay replay -> onFirst(replay.target(), ProjectionRunner::replay);
                case ManagementCommand.Reset reset -> onFirst(reset.target(), r -> r.resetTo(reset.position()));
            };
        } catch (ManagementException e) {
            return Future.failedFuture(e);
        }
    }

    /**
     * An HTTP handler for {@code GET prefix} (all statuses), {@code GET prefix/{name}},
     * {@code POST prefix/{name}/pause|resume|replay} and {@code POST prefix/{name}/reset} with body
     * {@code {"position": n}}. Mount it on the application's server or router for paths under {@code prefix}.
     */
    public Handler<HttpServerRequest> httpHandler(String prefix) {
        return new ManagementHttpHandler(this, prefix);
    }

    /**
     * An HTTP handler answering the health of every registered projection: 200 with {@code {"status": "UP"}}
     * or {@code "DEGRADED"} (and the problems), 503 with {@code "DOWN"} when a projection FAILED or has been
     * STALLED for the health's stall bound (see {@link ProjectionHealth}). With partitioned projections it also
     * reads which partitions have no live owner (DEGRADED); when the database does not answer that within a
     * second, it answers without them, DEGRADED at least, so a health check never waits out an outage.
     */
    public Handler<HttpServerRequest> healthHandler(ProjectionHealth health) {
        Objects.requireNonNull(health, "health");
        return request -> {
            ProjectionHealth.Report local = health.check(statuses());
            if (hosts.isEmpty()) {
                answerHealth(request, local);
                return;
            }
            // Partitions without an owner are read from the database: off the event loop, one read at a time
            // (an outage must not pile up blocked workers), and not waited for long.
            io.vertx.core.Promise<ProjectionHealth.Report> answer = io.vertx.core.Promise.promise();
            long timer = vertx.setTimer(
                    OWNERS_WAIT.toMillis(),
                    id -> answer.tryComplete(
                            HostCommands.ownersUnknown(local, "the database did not answer within a second")));
            readOwners().onComplete(read -> {
                vertx.cancelTimer(timer);
                answer.tryComplete(
                        read.succeeded()
                                ? HostCommands.withProblems(local, read.result())
                                : HostCommands.ownersUnknown(local, "the database could not be read"));
            });
            answer.future().onSuccess(report -> answerHealth(request, report));
        };
    }

    /** @return the read of the partitions without an owner in flight, or a new one when none is */
    private Future<List<String>> readOwners() {
        while (true) {
            Future<List<String>> inFlight = ownersRead.get();
            if (inFlight != null) {
                return inFlight;
            }
            io.vertx.core.Promise<List<String>> read = io.vertx.core.Promise.promise();
            if (ownersRead.compareAndSet(null, read.future())) {
                vertx.executeBlocking(() -> HostCommands.unownedPartitions(hosts), false)
                        .onComplete(result -> {
                            ownersRead.set(null);
                            if (result.failed()) {
                                LOG.warn(
                                        "health: reading the partitions' owners failed: {}",
                                        result.cause().toString());
                            }
                            read.handle(result);
                        });
                return read.future();
            }
        }
    }

    private static void answerHealth(HttpServerRequest request, ProjectionHealth.Report report) {
        JsonObject body =
                new JsonObject().put("status", report.level().name()).put("problems", new JsonArray(report.problems()));
        ManagementHttpHandler.endJson(request, report.level() == ProjectionHealth.Level.DOWN ? 503 : 200, body);
    }

    /** Stops listening on the event bus. */
    public Future<Void> close() {
        return consumer.unregister();
    }

    /**
     * Blocks on the database when hosts are registered (their partitions' owners and checkpoints). When those cannot
     * be read (the database is down), a projection's entry under {@code partitioned} carries the {@code error}
     * instead, and this process's runners are shown all the same: their state tells the outage.
     */
    JsonObject statusReply() {
        JsonArray list = new JsonArray();
        statuses().forEach(status -> list.add(StatusJson.of(status)));
        JsonObject reply = new JsonObject().put("projections", list);
        if (!hosts.isEmpty()) {
            JsonArray partitioned = new JsonArray();
            hosts.forEach(host -> host.projections().forEach(p -> {
                try {
                    partitioned.add(HostCommands.overview(host, p));
                } catch (RuntimeException e) {
                    partitioned.add(new JsonObject()
                            .put("projection", p)
                            .put("node", host.nodeId())
                            .put("error", "reading the partitions failed: " + e.getMessage()));
                }
            }));
            reply.put("partitioned", partitioned);
        }
        return reply;
    }

    /** The status of one projection: of a host's projection, every partition; else every runner of it. */
    Future<JsonObject> status(ManagementCommand.Target target) {
        ProjectionHost host = hostOf(target.projection());
        if (host != null) {
            return vertx.executeBlocking(() -> HostCommands.overview(host, target.projection()), false);
        }
        try {
            return Future.succeededFuture(statusOf(target));
        } catch (ManagementException e) {
            return Future.failedFuture(e);
        }
    }

    private List<ProjectionRunner> allRunners() {
        List<ProjectionRunner> all = new java.util.ArrayList<>(runners);
        hosts.forEach(host -> all.addAll(host.runners()));
        return all;
    }

    private ProjectionHost hostOf(ManagementCommand command) {
        return switch (command) {
            case ManagementCommand.Status status -> null;
            case ManagementCommand.Pause pause -> hostOf(pause.target().projection());
            case ManagementCommand.Resume resume -> hostOf(resume.target().projection());
            case ManagementCommand.Replay replay -> hostOf(replay.target().projection());
            case ManagementCommand.Reset reset -> hostOf(reset.target().projection());
        };
    }

    private ProjectionHost hostOf(String projection) {
        return hosts.stream()
                .filter(h -> h.projections().contains(projection))
                .findFirst()
                .orElse(null);
    }

    /** @return {@code {"projection": name, "statuses": [...]}}: one status per runner of the projection */
    JsonObject statusOf(ManagementCommand.Target target) {
        JsonArray list = new JsonArray();
        named(target).forEach(runner -> list.add(StatusJson.of(runner.status())));
        return new JsonObject().put("projection", target.projection()).put("statuses", list);
    }

    /**
     * Waits, up to {@link #STATE_WAIT}, until a running runner shows the state a command leads to, so that the
     * answer shows the state after the command: a pause takes effect once the batch in flight has committed
     * or rolled back, a resume once the runner has looked at the store again (both within milliseconds but
     * for a long batch). A runner that is not running is not waited for.
     */
    static void awaitState(ProjectionRunner runner, java.util.function.Predicate<ProjectionState> reached)
            throws InterruptedException {
        awaitStatus(runner, status -> reached.test(status.state()), stateDeadline());
    }

    /** @return the {@link System#nanoTime()} by which a command's wait for the state after it ends */
    static long stateDeadline() {
        return System.nanoTime() + STATE_WAIT.toNanos();
    }

    /** Waits until {@code runner}'s status satisfies {@code reached}, it stopped, or {@code deadline} passed. */
    static void awaitStatus(
            ProjectionRunner runner, java.util.function.Predicate<ProjectionStatus> reached, long deadline)
            throws InterruptedException {
        while (!reached.test(runner.status())
                && runner.status().state() != ProjectionState.STOPPED
                && System.nanoTime() - deadline < 0) {
            Thread.sleep(STATE_POLL.toMillis());
        }
    }

    /**
     * What a resume of a runner whose status was {@code before} leads to: out of PAUSED, and, for one that had
     * FAILED, out of FAILED or failed again (a newer error: the cause is still there).
     */
    static java.util.function.Predicate<ProjectionStatus> resumedFrom(ProjectionStatus before) {
        return now -> now.state() != ProjectionState.PAUSED
                && (before.state() != ProjectionState.FAILED
                        || now.state() != ProjectionState.FAILED
                        || !now.lastError().equals(before.lastError()));
    }

    private Future<JsonObject> onEach(ManagementCommand.Target target, RunnerAction action) {
        List<ProjectionRunner> named = named(target);
        return vertx.executeBlocking(
                () -> {
                    for (ProjectionRunner runner : named) {
                        action.apply(runner);
                    }
                    return statusOf(target);
                },
                false);
    }

    @FunctionalInterface
    private interface RunnerAction {
        void apply(ProjectionRunner runner) throws InterruptedException;
    }

    private Future<JsonObject> onFirst(
            ManagementCommand.Target target, java.util.function.Consumer<ProjectionRunner> action) {
        List<ProjectionRunner> named = named(target);
        HostCommands.refuseOnePartition(hosts, target.projection());
        return vertx.executeBlocking(
                () -> {
                    try {
                        action.accept(named.getFirst());
                    } catch (IllegalStateException e) {
                        throw ManagementException.conflict(e.getMessage());
                    }
                    return statusOf(target);
                },
                false);
    }

    /**
     * @return the runners of the target projection (all tenants' when the target names none, if only one
     *         tenant runs it)
     */
    private List<ProjectionRunner> named(ManagementCommand.Target target) {
        List<ProjectionRunner> named = allRunners().stream()
                .filter(r -> r.key().projection().equals(target.projection()))
                .filter(r -> target.tenant() == null || r.key().tenantId().equals(target.tenant()))
                .toList();
        if (named.isEmpty()) {
            throw ManagementException.notFound("unknown projection '" + target.projection() + "'"
                    + (target.tenant() == null ? "" : " of tenant '" + target.tenant() + "'") + "; known: "
                    + allRunners().stream()
                            .map(r -> r.key().toString())
                            .distinct()
                            .sorted()
                            .toList());
        }
        List<String> tenants =
                named.stream().map(r -> r.key().tenantId()).distinct().toList();
        if (tenants.size() > 1) {
            throw ManagementException.badRequest("projection '" + target.projection() + "' runs for tenants " + tenants
                    + "; name one with the field 'tenant' (HTTP: ?tenant=...)");
        }
        return named;
    }

    private void onMessage(Message<Object> message) {
        ManagementCommand command;
        try {
            command = ManagementCommand.parse(body(message.body()));
            execute(command)
                    .onSuccess(message::reply)
                    .onFailure(failure -> message.fail(code(failure), message(failure)));
        } catch (ManagementException e) {
            message.fail(e.statusCode(), e.getMessage());
        }
    }

    private static JsonObject body(Object body) {
        if (body instanceof JsonObject json) {
            return json;
        }
        if (body instanceof String text) {
            try {
                return new JsonObject(text);
            } catch (DecodeException e) {
                throw ManagementException.badRequest("malformed JSON command: " + e.getMessage());
            }
        }
        throw ManagementException.badRequest("the command must be a JSON object, e.g. {\"action\": \"status\"}; got "
                + (body == null ? "nothing" : body.getClass().getSimpleName()));
    }

    static int code(Throwable failure) {
        if (unavailable(failure) != null) {
            return 503;
        }
        return failure instanceof ManagementException e
                ? e.statusCode()
                : failure instanceof IllegalArgumentException ? 400 : 500;
    }

    /**
     * @return the message a failed command is answered with: for a store that cannot be reached, what failed
     *         in the store's words (without the underlying exception) and when to retry
     */
    static String message(Throwable failure) {
        TransientStoreException unavailable = unavailable(failure);
        if (unavailable == null) {
            return failure.getMessage();
        }
        String what = String.valueOf(unavailable.getMessage());
        int detail = what.indexOf(", which is no event's fault");
        return "the projection's store is unavailable ("
                + (detail > 0 ? what.substring(0, detail) : "it could not be reached")
                + "); nothing was changed, retry in " + RETRY_AFTER.toSeconds() + " s";
    }

    /** @return the {@link TransientStoreException} in {@code failure}'s causes, or null */
    private static TransientStoreException unavailable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TransientStoreException store) {
                return store;
            }
        }
        return null;
    }
}
