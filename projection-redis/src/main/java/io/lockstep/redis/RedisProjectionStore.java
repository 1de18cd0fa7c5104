package io.lockstep.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lockstep.projection.CheckpointConflictException;
import io.lockstep.projection.CheckpointKey;
import io.lockstep.projection.DeadLetter;
import io.lockstep.projection.Envelope;
import io.lockstep.projection.EventIdentity;
import io.lockstep.projection.ProjectionStore;
import io.lockstep.projection.StatementMode;
import io.lockstep.projection.StoredCheckpoint;
import io.lockstep.projection.TransactionWork;
import io.lockstep.projection.TransientStoreException;
import io.lockstep.projection.internal.Arguments;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Lockstep's {@link ProjectionStore} on Redis: read models in Redis, with each batch's handler commands and
 * the checkpoint's compare-and-set applied in one MULTI/EXEC guarded by WATCH. Thread-safe; share one per
 * Redis database; {@link #close()} it at shutdown.
 *
 * <pre>{@code
 * RedisProjectionStore store = RedisProjectionStore.builder("redis://127.0.0.1:6379").build();
 * Projection<RedisTransaction> top = Projection.<RedisTransaction>builder("top-balances")
 *         .on(FundsDeposited.class, (event, envelope, tx) ->
 *                 tx.commands().zincrby("balances", event.amount(), event.accountId()))
 *         .onReset(tx -> tx.commands().del("balances"))
 *         .build();
 * ProjectionRunner runner = ProjectionRunner.builder(top, store, eventLog).build();
 * }</pre>
 *
 * <p><b>Why MULTI/EXEC with WATCH</b> rather than a Lua script or a function: handlers send their commands
 * through Lettuce's typed API as they would anywhere else, and Redis queues them in the MULTI as they come;
 * a script would need the batch's commands passed as data and replayed by a generic interpreter in Lua (no
 * typed API, every command parsed twice), and a function would add a library to load and keep in step with
 * the code. WATCH gives the compare-and-set: the claim watches and reads the checkpoint hash, and EXEC is
 * refused if anything wrote it since, so a runner whose checkpoint moved applies nothing.
 *
 * <p><b>Atomicity.</b> A batch's commands are buffered in the client until EXEC, and Redis runs a MULTI
 * block whole: a crash of the runner, a lost connection or a refused EXEC leaves none of the batch, a
 * completed EXEC all of it. Redis has no rollback, though: a command that fails while EXEC runs (WRONGTYPE,
 * INCR of a non-number) fails alone and the rest applies. The store checks every reply; when one failed it
 * pauses the projection and the batch fails with an error naming the command's error, so nothing goes on
 * from a half-applied batch until an operator replays (or resumes).
 *
 * <p><b>Durability</b> is Redis's: the checkpoint lives in the same database as the read model, under the same
 * persistence settings, so it is exactly as durable as the read model. When Redis loses both (a restart
 * without persistence, FLUSHALL, a failover to an empty replica) the checkpoint reads -1 and the projection
 * rebuilds from the start by itself; the store notices through its epoch key and logs it. A failover to a
 * replica that lags keeps an older read model with its older checkpoint: the projection goes on from there.
 * Keep Lockstep's keys and the read model in one database of a standalone (or Sentinel-managed) Redis, with
 * a {@code maxmemory-policy} that never evicts them ({@code noeviction} or a {@code volatile-*} policy): a
 * store refuses to run batches on a Redis whose policy is {@code allkeys-*} (its runners wait, their status
 * naming the setting, until it is changed).
 *
 * <p><b>A restored event log.</b> Each batch's EXEC also records the event the checkpoint points at (stream,
 * stream version, type; see {@link StoredCheckpoint#lastEvent()}), so a runner, even one that just started,
 * notices an event log restored from an older backup that grew past the checkpoint again with other events,
 * and stops or rebuilds as its {@code AheadOfSourcePolicy} says instead of skipping them.
 *
 * <p><b>Pause</b> writes the checkpoint hash, so a batch in flight is refused at EXEC (nothing applied)
 * rather than waited for, as PostgreSQL does; either way no batch commits after {@code pause()} returns.
 */
public final class RedisProjectionStore implements ProjectionStore<RedisTransaction>, AutoCloseable {

    /** Default of {@link Builder#keyPrefix(String)}. */
    public static final String DEFAULT_KEY_PREFIX = "lockstep:";
    /** Default of {@link Builder#maxConnections(int)}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 8;
    /** Default of {@link Builder#commandTimeout(java.time.Duration)}. */
    public static final java.time.Duration DEFAULT_COMMAND_TIMEOUT = java.time.Duration.ofSeconds(10);
    /** Times a transaction without a checkpoint claim (reset, version switch) is tried when a watch fires. */
    private static final int WATCH_ATTEMPTS = 3;

    private final RedisConnections connections;
    private final RedisKeys keys;
    private final InstantSource clock;
    private final EpochWatch epochs;
    private final EvictionCheck eviction;

    private RedisProjectionStore(Builder builder) {
        String name = "Redis store '" + builder.keyPrefix + "' at " + describe(builder.uri);
        this.connections = new RedisConnections(builder.uri, builder.maxConnections, builder.commandTimeout, name);
        this.keys = new RedisKeys(builder.keyPrefix);
        this.clock = builder.clock;
        this.epochs = new EpochWatch(name);
        this.eviction = new EvictionCheck(connections);
    }

    /** @return where {@code uri} points, without its credentials */
    private static String describe(RedisURI uri) {
        String host = uri.getHost() != null
                ? uri.getHost() + ":" + uri.getPort()
                : "sentinel master '" + uri.getSentinelMasterId() + "'";
        return host + "/" + uri.getDatabase();
    }

    /**
     * Starts configuring a store on the Redis at {@code redisUri}, e.g. {@code redis://127.0.0.1:6379/0} or
     * {@code redis://user:secret@host:6379/2} (Lettuce's URI syntax: database, password, TLS with
     * {@code rediss://}, Sentinel with {@code redis-sentinel://}).
     *
     * @throws IllegalArgumentException when the URI cannot be parsed
     */
    public static Builder builder(String redisUri) {
        Objects.requireNonNull(redisUri, "redisUri");
        try {
            return new Builder(RedisURI.create(redisUri));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "redisUri '" + redisUri + "' is not a Redis URI; use e.g." + " redis://127.0.0.1:6379/0 ("
                            + e.getMessage() + ")",
                    e);
        }
    }

    /** Starts configuring a store on the Redis at {@code uri}. */
    public static Builder builder(RedisURI uri) {
        return new Builder(Objects.requireNonNull(uri, "uri"));
    }

    /** @return the prefix of every key this store writes besides the read model's */
    public String keyPrefix() {
        return keys.prefix();
    }

    /** @return the key of the hash holding {@code key}'s checkpoint, paused flag and version */
    public String checkpointKey(CheckpointKey key) {
        return keys.checkpoint(Objects.requireNonNull(key, "key"));
    }

    /** @return the key of the sorted set indexing {@code key}'s dead letters by position */
    public String deadLettersKey(CheckpointKey key) {
        return keys.deadLetters(Objects.requireNonNull(key, "key"));
    }

    /** @return how often this store noticed that Redis lost its data (see the class comment) */
    public long dataLossesNoticed() {
        return epochs.losses();
    }

    /**
     * Runs {@code work} as one MULTI/EXEC on a dedicated connection. {@code mode} makes no difference here:
     * every command is queued until commit. A transaction that claims no checkpoint (a reset, a version
     * switch) is run again, up to 3 times, when a watched checkpoint changed under it.
     */
    @Override
    public <R> R inTransaction(StatementMode mode, TransactionWork<RedisTransaction, R> work) {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(work, "work");
        List<RuntimeException> earlier = new ArrayList<>();
        for (int attempt = 1; ; attempt++) {
            try {
                return attempt(work);
            } catch (RedisTransaction.WatchAborted aborted) {
                RuntimeException failure = attempt < WATCH_ATTEMPTS
                        ? null
                        : new TransientStoreException(
                                connections.storeName() + ": a checkpoint changed under this transaction "
                                        + WATCH_ATTEMPTS + " times in a row; nothing was applied. Try again",
                                aborted);
                if (failure == null) {
                    earlier.add(aborted);
                    continue;
                }
                earlier.forEach(failure::addSuppressed);
                throw failure;
            }
        }
    }

    private <R> R attempt(TransactionWork<RedisTransaction, R> work) {
        eviction.require(); // nothing is written to a Redis that may evict a checkpoint or a read model
        StatefulRedisConnection<String, String> connection = connections.borrow("starting a transaction");
        RedisTransaction tx = new RedisTransaction(connection, keys, connections.timeout(), epochs);
        boolean clean = true;
        try {
            R result = work.run(tx);
            tx.commit(clock.millis());
            return result;
        } catch (RedisTransaction.WatchAborted aborted) {
            if (tx.claims().isEmpty()) {
                throw aborted;
            }
            throw Conflicts.refusedExec(tx.claims(), this::readHash);
        } catch (RedisTransaction.PartiallyApplied partial) {
            tx.claims().keySet().forEach(key -> setPaused(key, true));
            throw Conflicts.partiallyApplied(
                    connections.storeName(), tx.claims().keySet(), partial);
        } catch (Throwable failure) {
            clean = tx.abandon() && RedisFailures.transientCause(failure) == null;
            throw RedisFailures.translate(connections.storeName(), "transaction", failure);
        } finally {
            connections.giveBack(connection, clean);
        }
    }

    @Override
    public void advanceCheckpoint(RedisTransaction tx, CheckpointKey key, long expected, long next) {
        ProjectionStore.requireForward(key, expected, next);
        tx.stage(key, claim(tx, key, expected).withPosition(next));
    }

    /**
     * Moves the checkpoint to {@code last}'s position and records {@code last}'s identity in the same hash, so
     * in the same EXEC: a runner that starts later checks that the event log still holds that event there.
     */
    @Override
    public void advanceCheckpoint(RedisTransaction tx, CheckpointKey key, long expected, Envelope last) {
        Objects.requireNonNull(last, "last");
        ProjectionStore.requireForward(key, expected, last.position());
        tx.stage(key, claim(tx, key, expected).withLastEvent(EventIdentity.of(last)));
    }

    /** Watches the checkpoint of {@code key} and checks that it is at {@code expected} and not paused. */
    private static CheckpointHash claim(RedisTransaction tx, CheckpointKey key, long expected) {
        CheckpointHash state = tx.observe(key);
        if (state.paused()) {
            throw state.position() == expected
                    ? CheckpointConflictException.paused(key, expected)
                    : CheckpointConflictException.concurrentAdvance(key, expected, state.position());
        }
        if (!state.exists() && expected >= 0) {
            throw Conflicts.lost(key, expected);
        }
        if (state.position() != expected) {
            throw CheckpointConflictException.concurrentAdvance(key, expected, state.position());
        }
        tx.claim(key, expected);
        return state;
    }

    @Override
    public StoredCheckpoint readCheckpoint(CheckpointKey key) {
        Objects.requireNonNull(key, "key");
        return connections.withCommands("reading checkpoint " + key, redis -> {
            CheckpointHash hash = CheckpointHash.of(redis.hmget(keys.checkpoint(key), CheckpointHash.FIELDS));
            epochs.seen(redis.get(keys.epoch()));
            return hash.stored();
        });
    }

    /** Reads the whole checkpoint hash of {@code key}. */
    private CheckpointHash readHash(CheckpointKey key) {
        return connections.withCommands(
                "reading checkpoint " + key,
                redis -> CheckpointHash.of(redis.hmget(keys.checkpoint(key), CheckpointHash.FIELDS)));
    }

    @Override
    public void resetCheckpoint(RedisTransaction tx, CheckpointKey key, long position) {
        Arguments.requirePosition(position, "position");
        tx.stage(key, tx.observe(key).withPosition(position));
    }

    @Override
    public void adoptVersion(RedisTransaction tx, CheckpointKey key, int version) {
        CheckpointHash state = tx.observe(key);
        if (state.version() == 0) {
            tx.stage(key, state.withVersion(version));
        }
    }

    @Override
    public long retire(RedisTransaction tx, CheckpointKey key) {
        CheckpointHash state = tx.observe(key);
        tx.stage(key, state.withPaused(true));
        return state.position();
    }

    @Override
    public void setPaused(CheckpointKey key, boolean paused) {
        Objects.requireNonNull(key, "key");
        connections.withCommands(
                (paused ? "pausing " : "resuming ") + key,
                redis -> redis.hset(keys.checkpoint(key), CheckpointHash.PAUSED, paused ? "1" : "0"));
    }

    @Override
    public boolean switchVersion(
            RedisTransaction tx, CheckpointKey key, int fromVersion, long position, int toVersion) {
        Arguments.requirePosition(position, "position");
        CheckpointHash state = tx.observe(key);
        if (state.version() != fromVersion) {
            return false;
        }
        tx.stage(key, state.withPosition(position).withVersion(toVersion));
        return true;
    }

    @Override
    public void recordDeadLetter(RedisTransaction tx, DeadLetter letter) {
        tx.deadLetter(Objects.requireNonNull(letter, "letter"));
    }

    /** Closes the store's connections and its Lettuce client. */
    @Override
    public void close() {
        connections.close();
    }

    @Override
    public String toString() {
        return connections.storeName();
    }

    /** Configures a {@link RedisProjectionStore}; every setter validates its value. */
    public static final class Builder {
        private final RedisURI uri;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private java.time.Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
        private InstantSource clock = InstantSource.system();

        private Builder(RedisURI uri) {
            this.uri = uri;
        }

        /**
         * @param keyPrefix prefix of the checkpoint, dead-letter and epoch keys (default {@code lockstep:});
         *                  not blank. Two stores with different prefixes share a database without meeting
         */
        public Builder keyPrefix(String keyPrefix) {
            this.keyPrefix = Arguments.requireName(keyPrefix, "keyPrefix");
            return this;
        }

        /** @param maxConnections connections at most, one per batch or call in flight, 1..256 (default 8) */
        public Builder maxConnections(int maxConnections) {
            this.maxConnections =
                    Arguments.requireRange("maxConnections", maxConnections, 1, 256, DEFAULT_MAX_CONNECTIONS);
            return this;
        }

        /** @param commandTimeout how long a command or connection attempt may take, 100 ms..5 min (default 10 s) */
        public Builder commandTimeout(java.time.Duration commandTimeout) {
            Objects.requireNonNull(commandTimeout, "commandTimeout");
            if (commandTimeout.toMillis() < 100 || commandTimeout.compareTo(java.time.Duration.ofMinutes(5)) > 0) {
                throw new IllegalArgumentException("commandTimeout " + commandTimeout + " makes no sense; use"
                        + " 100ms..5m (default " + DEFAULT_COMMAND_TIMEOUT + ")");
            }
            this.commandTimeout = commandTimeout;
            return this;
        }

        /** @param clock the clock of {@code updated_at} and {@code skipped_at} (default: the system clock) */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** @return the store; it opens no connection until first used */
        public RedisProjectionStore build() {
            return new RedisProjectionStore(this);
        }
    }
}
