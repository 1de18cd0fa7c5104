package io.lockstep.example.accounts.app;

import io.lockstep.example.accounts.domain.AccountCommands;
import io.lockstep.example.accounts.domain.AccountEventTypes;
import io.lockstep.example.accounts.http.AccountsApi;
import io.lockstep.example.accounts.readmodel.AccountsProjection;
import io.lockstep.example.accounts.readmodel.ReadModels;
import io.lockstep.example.accounts.redis.TopBalances;
import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.projection.CheckpointStore;
import io.lockstep.projection.ProjectionRunner;
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
 * The running application: the event log (with its sequencer), the {@code accounts} projection in a
 * {@link ProjectionVerticle}, the write side, the read side, metrics and, on request, the HTTP API. Start it
 * with {@link #start}, stop it with {@link #close()} (which waits for the projection's batch in flight).
 *
 * <p>Each part works on its own pool ({@link Pools}): the write side and the sequencer on the commands
 * pool, the runner (its own view of the log, listening for the sequencer's notifications) and the store on
 * the projection pool, the read side on the reads pool. Every {@link #KEY_CLEANUP_EVERY} it removes
 * idempotency keys older than {@link AccountCommands#KEY_RETENTION}.
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
    private final ProjectionRunner runner;
    private final ProjectionManagement management;
    private final PrometheusMeterRegistry registry;
    private final AccountCommands commands;
    private final ReadModels readModels;
    private final CheckpointStore readCheckpoints;
    private final TopBalances topBalances;
    private HttpServer server;

    private AccountsApp(Pools pools, Duration positionWait, TopBalances.Settings redis) {
        this.vertx = Vertx.vertx();
        this.log = PostgresEventLog.builder(pools.commands(), AccountEventTypes.registry()).build();
        // The runner's reads of the log, on the projection's pool; the sequencer runs with the write side.
        this.projectionLog = PostgresEventLog.builder(pools.projection(), AccountEventTypes.registry())
                .runSequencer(false).build();
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ProjectionMetrics metrics = new ProjectionMetrics(registry);
        this.store = PostgresProjectionStore.builder(pools.projection()).build();
        this.runner = ProjectionRunner.builder(AccountsProjection.create(), store, projectionLog).listener(metrics)
                .build();
        this.topBalances = redis == null ? null : TopBalances.create(redis, projectionLog, metrics);
        this.management = ProjectionManagement.create(vertx);
        this.commands = new AccountCommands(log, pools.commands(), COMMAND_ATTEMPTS, positionWait);
        FunctionCounter.builder("accounts.command.conflicts", commands, AccountCommands::conflicts)
                .description("appends that lost a race on their account's version and were decided again")
                .register(registry);
        this.readModels = new ReadModels(pools.reads());
        this.readCheckpoints = PostgresProjectionStore.builder(pools.reads()).build().checkpoints();
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
        AccountsApp app = new AccountsApp(pools, positionWait, redis);
        try {
            app.log.start();
            app.projectionLog.start();
            List<ProjectionRunner> runners = app.topBalances == null ? List.of(app.runner)
                    : List.of(app.runner, app.topBalances.runner());
            await(app.vertx.deployVerticle(() -> new ProjectionVerticle(app.management, runners),
                    new DeploymentOptions()));
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
        AccountsApi api = new AccountsApi(vertx, commands, readModels, runner, readCheckpoints, management,
                ProjectionHealth.withDefaults(), registry);
        try {
            Router router = api.router();
            if (topBalances != null) {
                topBalances.mount(router);
            }
            server = await(vertx.createHttpServer().invalidRequestHandler(api::invalidRequest)
                    .requestHandler(router).listen(port, host));
        } catch (RuntimeException e) {
            throw new IllegalStateException("could not listen on " + host + ":" + port + " (" + e.getMessage()
                    + "); pass another --port (0 picks a free one) or --host", e);
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

    /** @return the {@code accounts} projection's runner (started) */
    public ProjectionRunner runner() {
        return runner;
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
                LOG.warn("could not remove expired idempotency keys (retried in {}): {}", KEY_CLEANUP_EVERY,
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
            runner.close();
            if (topBalances != null) {
                topBalances.close();
            }
            projectionLog.close();
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
