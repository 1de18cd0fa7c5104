package io.lockstep.example.accounts.app;

import io.lockstep.example.accounts.domain.AccountCommands;
import io.lockstep.example.accounts.domain.AccountEventTypes;
import io.lockstep.example.accounts.http.AccountsApi;
import io.lockstep.example.accounts.readmodel.AccountsProjection;
import io.lockstep.example.accounts.readmodel.ReadModels;
import io.lockstep.example.accounts.redis.TopBalances;
import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.ProjectionNode;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.vertx.ProjectionHealth;
import io.lockstep.vertx.ProjectionManagement;
import io.lockstep.vertx.ProjectionMetrics;
import io.lockstep.vertx.ProjectionVerticle;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running application: the event log (with its sequencer), the {@code accounts} projection, the write side,
 * the read side, metrics and, on request, the HTTP API. Start it with {@link #start}, stop it with
 * {@link #close()} (which waits for the projection's batches in flight).
 *
 * <p>The projection is partitioned ({@link NodeSettings}) and runs on a {@link ProjectionNode} deployed with
 * {@link ProjectionVerticle#forHost}: every process started on the same database is a node, and the live nodes
 * share the partitions through leases in PostgreSQL (a node that stops hands its partitions over at once; one
 * killed loses them when its lease expires).
 *
 * <p>Each part works on its own pool ({@link Pools}): the write side and the sequencer on the commands
 * pool, the node (its runners' view of the log, listening for the sequencer's notifications, its leases) and the
 * store on the projection pool, the read side on the reads pool (also when it asks how far the projection got).
 * Every {@link #KEY_CLEANUP_EVERY} it removes idempotency keys older than {@link AccountCommands#KEY_RETENTION}.
 */
public final class AccountsApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AccountsApp.class);

    /** How often a command is decided again after losing a race on its account. */
    public static final int COMMAND_ATTEMPTS = 20;
    /** How long a command waits for its event's global position before answering without it. */
    public static final Duration POSITION_WAIT = Duration.ofSeconds(5);
    /** How long stopping waits for HTTP requests in flight. */
    public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);
    /** How often expired idempotency keys are removed: every 10 minutes (and once at start). */
    public static final Duration KEY_CLEANUP_EVERY = Duration.ofMinutes(10);

    private final Vertx vertx;
    private final PostgresEventLog log;
    private final PostgresEventLog projectionLog;
    private final PostgresProjectionStore store;
    private final ProjectionNode node;
    /** The same projection seen from the reads pool, never started: how far it got, for reads. */
    private final ProjectionNode readView;

    private final ProjectionManagement management;
    private final PrometheusMeterRegistry registry;
    private final AccountCommands commands;
    private final ReadModels readModels;
    private final PostgresEventLog readLog;
    private final TopBalances topBalances;
    private HttpServer server;

    private AccountsApp(Pools pools, Duration positionWait, TopBalances.Settings redis, NodeSettings settings) {
        this.vertx = Vertx.vertx();
        this.log = PostgresEventLog.builder(pools.commands(), AccountEventTypes.registry())
                .build();
        // The runner's reads of the log, on the projection's pool; the sequencer runs with the write side.
        this.projectionLog = PostgresEventLog.builder(pools.projection(), AccountEventTypes.registry())
                .runSequencer(false)
                .build();
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ProjectionMetrics metrics = new ProjectionMetrics(registry);
        this.store = PostgresProjectionStore.builder(pools.projection()).build();
        this.node = ProjectionNode.builder(pools.projection(), store, projectionLog)
                .nodeId(settings.nodeId())
                .lease(settings.lease())
                .heartbeat(settings.heartbeat())
                .projection(AccountsProjection.create(), settings.partitions(), runner -> runner.listener(metrics))
                .build();
        this.topBalances = redis == null ? null : TopBalances.create(redis, projectionLog, metrics);
        this.management = ProjectionManagement.create(vertx);
        this.commands = new AccountCommands(log, pools.commands(), COMMAND_ATTEMPTS, positionWait);
        FunctionCounter.builder("accounts.command.conflicts", commands, AccountCommands::conflicts)
                .description("appends that lost a race on their account's version and were decided again")
                .register(registry);
        this.readModels = new ReadModels(pools.reads());
        this.readLog = PostgresEventLog.builder(pools.reads(), AccountEventTypes.registry())
                .runSequencer(false)
                .build();
        this.readView = ProjectionNode.builder(
                        pools.reads(),
                        PostgresProjectionStore.builder(pools.reads()).build(),
                        readLog)
                .nodeId(settings.nodeId())
                .projection(AccountsProjection.create(), settings.partitions())
                .build();
    }

    /**
     * Starts the event log and the projection (blocking until deployed).
     *
     * @param positionWait how long commands wait for their event's position (zero: do not wait)
     */
    public static AccountsApp start(Pools pools, Duration positionWait) {
        return start(pools, positionWait, null);
    }

    /**
     * Starts the application with the optional Redis read model ({@link TopBalances}) when {@code redis} is
     * not null.
     */
    public static AccountsApp start(Pools pools, Duration positionWait, TopBalances.Settings redis) {
        return start(pools, positionWait, redis, NodeSettings.defaults());
    }

    /**
     * Starts the application as node {@code settings.nodeId()} of the processes on this database, with the
     * optional Redis read model when {@code redis} is not null.
     */
    public static AccountsApp start(
            Pools pools, Duration positionWait, TopBalances.Settings redis, NodeSettings settings) {
        AccountsApp app = new AccountsApp(pools, positionWait, redis, settings);
        try {
            app.log.start();
            app.projectionLog.start();
            await(app.vertx.deployVerticle(ProjectionVerticle.forHost(app.management, app.node)));
            if (app.topBalances != null) {
                await(app.vertx.deployVerticle(
                        () -> new ProjectionVerticle(app.management, List.of(app.topBalances.runner())),
                        new DeploymentOptions()));
            }
            app.cleanUpKeys();
            app.vertx.setPeriodic(KEY_CLEANUP_EVERY.toMillis(), timer -> app.cleanUpKeys());
            return app;
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
    }

    /**
     * Serves the HTTP API (blocking until bound).
     *
     * @param host the address to bind: {@code 127.0.0.1} for this machine only, {@code 0.0.0.0} for all
     * @param port the port, or 0 for any free one
     * @return the bound port
     */
    public int listen(String host, int port) {
        AccountsApi api = new AccountsApi(
                vertx, commands, readModels, readView, management, ProjectionHealth.withDefaults(), registry);
        try {
            Router router = api.router(
                    topBalances == null
                            ? java.util.Map.of()
                            : java.util.Map.of(TopBalances.PATH, topBalances.handler()));
            server = await(vertx.createHttpServer()
                    .invalidRequestHandler(api::invalidRequest)
                    .requestHandler(router)
                    .listen(port, host));
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    "could not listen on " + host + ":" + port + " (" + e.getMessage()
                            + "); pass another --port (0 picks a free one) or --host",
                    e);
        }
        return server.actualPort();
    }

    /** @return the write side */
    public AccountCommands commands() {
        return commands;
    }

    /** @return the read side */
    public ReadModels readModels() {
        return readModels;
    }

    /** @return this process's node of the {@code accounts} projection (started): its partitions, status, operations */
    public ProjectionNode node() {
        return node;
    }

    /**
     * @return the position up to which the {@code accounts} projection has applied every event, in every
     *         partition, whichever process runs it ({@link ProjectionNode#projectedThrough}); read on the reads
     *         pool. Blocking: not on an event loop.
     */
    public long projectedThrough() {
        return readView.projectedThrough(AccountsProjection.NAME);
    }

    /** @return the event log (started, with its sequencer) */
    public PostgresEventLog log() {
        return log;
    }

    /** @return the metrics registry ({@code GET /metrics}) */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    private void cleanUpKeys() {
        vertx.executeBlocking(commands::deleteExpiredKeys, false).onComplete(removed -> {
            if (removed.failed()) {
                LOG.warn(
                        "could not remove expired idempotency keys (retried in {}): {}",
                        KEY_CLEANUP_EVERY,
                        removed.cause().getMessage());
            } else if (removed.result() > 0) {
                LOG.info("removed {} idempotency keys older than {}", removed.result(), AccountCommands.KEY_RETENTION);
            }
        });
    }

    /** Stops serving, stops the projection (its batch in flight commits or rolls back), then the log. */
    @Override
    public void close() {
        try {
            if (server != null) {
                // Requests in flight get their answers (a stored command must not lose its reply).
                await(server.shutdown(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS));
            }
            await(vertx.close());
        } finally {
            node.close();
            if (topBalances != null) {
                topBalances.close();
            }
            projectionLog.close();
            readLog.close();
            log.close();
        }
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting or stopping", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        }
    }
}
