package io.lockstep.example.accounts.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lockstep.example.accounts.domain.AccountEvent.AccountClosed;
import io.lockstep.example.accounts.domain.AccountEvent.AccountCreated;
import io.lockstep.example.accounts.domain.AccountEvent.FundsDeposited;
import io.lockstep.example.accounts.domain.AccountEvent.FundsWithdrawn;
import io.lockstep.example.accounts.http.Responses;
import io.lockstep.projection.EventSource;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionListener;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.redis.RedisProjectionStore;
import io.lockstep.redis.RedisTransaction;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Objects;

/**
 * The accounts with the largest balances, in Redis: one sorted set ({@code <prefix>top-balances}, member the
 * account id, score its balance in cents) that the {@code top-balances} projection keeps with
 * {@code ZADD}/{@code ZINCRBY}/{@code ZREM}, its checkpoint in the same Redis and the same MULTI/EXEC. Served
 * at {@code GET /top-balances?limit=10}: a ranking over every open account, read in O(log n + limit) without
 * touching PostgreSQL. Optional: the application runs it only when given a Redis URL.
 */
public final class TopBalances implements AutoCloseable {

    /** The projection's name. */
    public static final String NAME = "top-balances";
    /** Default and largest {@code limit} of {@code GET /top-balances}. */
    public static final int DEFAULT_LIMIT = 10;

    public static final int MAX_LIMIT = 100;

    /**
     * Where the read model lives.
     *
     * @param redisUrl  e.g. {@code redis://127.0.0.1:6379/0}
     * @param keyPrefix prefix of the sorted set and of Lockstep's keys (default {@code accounts:})
     */
    public record Settings(String redisUrl, String keyPrefix) {
        /** Validates the components. */
        public Settings {
            Objects.requireNonNull(redisUrl, "redisUrl");
            Objects.requireNonNull(keyPrefix, "keyPrefix");
        }

        /** @return settings with the default key prefix */
        public static Settings of(String redisUrl) {
            return new Settings(redisUrl, "accounts:");
        }
    }

    private final String key;
    private final RedisProjectionStore store;
    private final ProjectionRunner runner;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> reads;

    private TopBalances(Settings settings, EventSource log, ProjectionListener listener) {
        this.key = settings.keyPrefix() + "top-balances";
        this.client = RedisClient.create(settings.redisUrl());
        try {
            this.reads = client.connect();
        } catch (RedisConnectionException e) {
            client.shutdown();
            RedisURI uri = RedisURI.create(settings.redisUrl());
            throw new IllegalStateException(
                    "the Redis for the top-balances read model does not answer at "
                            + uri.getHost() + ":" + uri.getPort() + " (" + e.getMessage()
                            + "); start it, or run without"
                            + " --redis-url",
                    e);
        }
        this.store = RedisProjectionStore.builder(settings.redisUrl())
                .keyPrefix(settings.keyPrefix() + "lockstep:")
                .build();
        this.runner = ProjectionRunner.builder(projection(key), store, log)
                .listener(listener)
                .build();
    }

    /** Connects to Redis and builds the projection's runner (not started). */
    public static TopBalances create(Settings settings, EventSource log, ProjectionListener listener) {
        return new TopBalances(settings, log, listener);
    }

    /** @return the projection that keeps the sorted set {@code key} */
    public static Projection<RedisTransaction> projection(String key) {
        // spotless:off
        // README example: start
        return Projection.<RedisTransaction>builder(NAME)
                .on(AccountCreated.class, (event, envelope, tx) ->
                        tx.commands().zadd(key, event.initialDeposit(), event.accountId()))
                .on(FundsDeposited.class, (event, envelope, tx) ->
                        tx.commands().zincrby(key, event.amount(), event.accountId()))
                .on(FundsWithdrawn.class, (event, envelope, tx) ->
                        tx.commands().zincrby(key, -event.amount(), event.accountId()))
                .on(AccountClosed.class, (event, envelope, tx) -> tx.commands().zrem(key, event.accountId()))
                .onReset(tx -> tx.commands().del(key))
                .build();
        // README example: end
        // spotless:on
    }

    /** @return the projection's runner, for the verticle, management and metrics */
    public ProjectionRunner runner() {
        return runner;
    }

    /** Where the ranking is served: {@value}. */
    public static final String PATH = "/top-balances";

    /**
     * @return the handler of {@code GET /top-balances?limit=N} (at {@link #PATH}); the read never blocks the
     *         event loop
     */
    public Handler<RoutingContext> handler() {
        return this::top;
    }

    private void top(RoutingContext ctx) {
        String given = ctx.request().getParam("limit", Integer.toString(DEFAULT_LIMIT));
        int limit;
        try {
            limit = Integer.parseInt(given);
        } catch (NumberFormatException e) {
            limit = 0;
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            Responses.endJson(
                    ctx,
                    400,
                    new JsonObject()
                            .put(
                                    "error",
                                    "limit " + given + " makes no sense; use 1.." + MAX_LIMIT + " (default "
                                            + DEFAULT_LIMIT + ")")
                            .put("field", "limit"));
            return;
        }
        long checkpoint = runner.status().checkpoint();
        Future.fromCompletionStage(
                        reads.async().zrevrangeWithScores(key, 0, limit - 1L),
                        ctx.vertx().getOrCreateContext())
                .onSuccess(top -> Responses.endJson(ctx, 200, answer(top, checkpoint)))
                .onFailure(e -> {
                    ctx.response().putHeader("Retry-After", "2");
                    Responses.endJson(
                            ctx,
                            503,
                            new JsonObject()
                                    .put("error", "Redis did not answer (" + e.getMessage() + "). Retry in 2 s")
                                    .putNull("field"));
                });
    }

    private static JsonObject answer(List<ScoredValue<String>> top, long checkpoint) {
        JsonArray accounts = new JsonArray();
        top.forEach(entry -> accounts.add(
                new JsonObject().put("accountId", entry.getValue()).put("balance", (long) entry.getScore())));
        return new JsonObject().put("accounts", accounts).put("checkpoint", checkpoint);
    }

    /** Stops the runner (its batch in flight ends first), then closes the Redis connections. */
    @Override
    public void close() {
        runner.close();
        reads.close();
        client.shutdown();
        store.close();
    }
}
