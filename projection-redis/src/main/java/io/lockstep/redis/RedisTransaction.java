package io.lockstep.redis;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lockstep.projection.CheckpointKey;
import io.lockstep.projection.DeadLetter;
import io.lockstep.projection.LockstepException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The context a {@link RedisProjectionStore} hands to handlers for one batch: {@link #commands()} queues
 * Redis commands that run at commit in one MULTI/EXEC together with the checkpoint's move.
 *
 * <p>How a batch runs on its dedicated connection: the runner's checkpoint claim sends
 * {@code WATCH <checkpoint>} and reads the checkpoint (one round trip) and fails at once when it is not
 * where the runner expects; the handlers' first command opens MULTI; at commit the checkpoint's new value,
 * any dead letter and the store's epoch are queued behind the handlers' commands and EXEC is sent (a
 * second round trip). If anything wrote the checkpoint after the WATCH (another runner's batch, a pause,
 * a reset, FLUSHALL), Redis refuses the EXEC and nothing of the batch is applied. Commands are buffered in
 * the client until EXEC, so a crash before it leaves nothing behind, and Redis applies a MULTI block whole.
 *
 * <p>Valid only during the batch it was handed to; not thread-safe (one runner thread uses it).
 */
public final class RedisTransaction {

    private final StatefulRedisConnection<String, String> connection;
    private final RedisAsyncCommands<String, String> async;
    private final RedisBatchCommands commands;
    private final RedisKeys keys;
    private final Duration timeout;
    private final EpochWatch epochs;
    private final Map<CheckpointKey, CheckpointHash> observed = new LinkedHashMap<>();
    private final Map<CheckpointKey, CheckpointHash> staged = new LinkedHashMap<>();
    private final Map<CheckpointKey, Long> claims = new LinkedHashMap<>();
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private boolean multi;
    private boolean open = true;

    RedisTransaction(
            StatefulRedisConnection<String, String> connection, RedisKeys keys, Duration timeout, EpochWatch epochs) {
        this.connection = connection;
        this.async = connection.async();
        this.keys = keys;
        this.timeout = timeout;
        this.epochs = epochs;
        connection.setAutoFlushCommands(false);
        this.commands = CommandsProxy.create(this, connection.sync());
    }

    /**
     * Returns the batch's command API. Every command is queued and returns {@code null}: handlers write and
     * cannot read; see {@link RedisBatchCommands}.
     *
     * @throws IllegalStateException when the batch is over
     */
    public RedisBatchCommands commands() {
        requireOpen();
        return commands;
    }

    @Override
    public String toString() {
        return "RedisTransaction[" + (open ? (multi ? "queuing" : "open") : "ended") + ", claims " + claims + "]";
    }

    /** Opens the MULTI before the first queued command. */
    void beforeCommand() {
        requireOpen();
        if (!multi) {
            async.multi();
            multi = true;
        }
    }

    /**
     * Watches and reads the checkpoint of {@code key}, once per transaction; later calls see what this
     * transaction staged.
     *
     * @throws IllegalStateException when the batch already queued commands (WATCH must come first)
     */
    CheckpointHash observe(CheckpointKey key) {
        requireOpen();
        CheckpointHash known = staged.containsKey(key) ? staged.get(key) : observed.get(key);
        if (known != null) {
            return known;
        }
        if (multi) {
            throw new IllegalStateException("checkpoint " + key + " is touched after the batch's first Redis command;"
                    + " the store claims checkpoints before handlers run");
        }
        String hash = keys.checkpoint(key);
        async.watch(hash);
        RedisFuture<List<io.lettuce.core.KeyValue<String, String>>> fields = async.hmget(hash, CheckpointHash.FIELDS);
        RedisFuture<String> epoch = async.get(keys.epoch());
        connection.flushCommands();
        CheckpointHash state = CheckpointHash.of(await(fields));
        epochs.seen(await(epoch));
        observed.put(key, state);
        return state;
    }

    /** Stages {@code state} to be written at commit. */
    void stage(CheckpointKey key, CheckpointHash state) {
        staged.put(key, state);
    }

    /** Remembers that this transaction moves {@code key} from {@code expected}, for the conflict message. */
    void claim(CheckpointKey key, long expected) {
        claims.put(key, expected);
    }

    Map<CheckpointKey, Long> claims() {
        return claims;
    }

    void deadLetter(DeadLetter letter) {
        requireOpen();
        deadLetters.add(letter);
    }

    /**
     * Queues the staged checkpoints, dead letters and the epoch behind the handlers' commands and runs EXEC.
     *
     * @throws WatchAborted       when a watched checkpoint changed: nothing was applied
     * @throws LockstepException when Redis ran some commands with errors (it has no rollback: the rest applied)
     */
    void commit(long nowMillis) {
        beforeCommand();
        staged.forEach((key, state) -> {
            async.hset(keys.checkpoint(key), state.fields(nowMillis));
            if (state.lastEvent() == null) {
                async.hdel(keys.checkpoint(key), CheckpointHash.LAST_EVENT_FIELDS);
            }
        });
        deadLetters.forEach(letter -> DeadLetters.queue(async, keys, letter, nowMillis));
        if (!staged.isEmpty()) {
            async.set(keys.epoch(), UUID.randomUUID().toString(), SetArgs.Builder.nx());
        }
        RedisFuture<TransactionResult> exec = async.exec();
        connection.flushCommands();
        open = false;
        TransactionResult result = await(exec);
        if (result.wasDiscarded()) {
            throw new WatchAborted();
        }
        List<RedisCommandExecutionException> errors = new ArrayList<>();
        for (Object reply : result) {
            if (reply instanceof RedisCommandExecutionException error) {
                errors.add(error);
            }
        }
        if (!errors.isEmpty()) {
            throw new PartiallyApplied(errors);
        }
    }

    /**
     * Ends a transaction that will not commit: DISCARD (or UNWATCH), so the connection can serve again.
     *
     * @return true when the connection is clean and may be reused
     */
    boolean abandon() {
        if (!open) {
            return true;
        }
        open = false;
        try {
            RedisFuture<String> end = multi ? async.discard() : async.unwatch();
            connection.flushCommands();
            await(end);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private <T> T await(RedisFuture<T> future) {
        return LettuceFutures.awaitOrCancel(future, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void requireOpen() {
        if (!open) {
            throw new IllegalStateException("this Redis transaction is over; a handler must not keep its"
                    + " RedisTransaction or RedisBatchCommands beyond the call it was handed to");
        }
    }

    /** EXEC was refused because a watched checkpoint changed; nothing was applied. */
    static final class WatchAborted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WatchAborted() {
            super("EXEC refused: a watched checkpoint changed", null, false, false);
        }
    }

    /** EXEC ran, but some commands failed inside it. */
    static final class PartiallyApplied extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient List<RedisCommandExecutionException> errors;

        PartiallyApplied(List<RedisCommandExecutionException> errors) {
            super(
                    errors.size() + " command(s) failed inside EXEC, first: "
                            + errors.getFirst().getMessage(),
                    errors.getFirst());
            this.errors = errors;
        }

        List<RedisCommandExecutionException> errors() {
            return errors;
        }
    }
}
