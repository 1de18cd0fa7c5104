package io.lockstep.example.accounts.app;

import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The application's bulkheads: three connection pools, so that trouble on one side cannot take the others'
 * connections. Reads (HTTP {@code GET}s of the read models) fail fast under a lock or a slow statement, and
 * never hold a connection commands need; commands (the write side, the idempotency keys, and the sequencer and
 * notification listener that give commands their positions) never wait behind reads or the projection; the
 * projection (its runner's event reads, read-model writes and checkpoints, and management) has its own.
 *
 * <p>Timeouts: taking a connection waits at most {@link #CONNECTION_TIMEOUT} for reads and commands, so with
 * the database unreachable they fail within about a second; reads run with {@code statement_timeout}
 * {@link #READ_STATEMENT_TIMEOUT} and {@code lock_timeout} {@link #READ_LOCK_TIMEOUT}, commands with
 * {@link #COMMAND_STATEMENT_TIMEOUT} and {@link #COMMAND_LOCK_TIMEOUT}. The projection's pool waits
 * {@link #PROJECTION_CONNECTION_TIMEOUT} for a connection and sets no statement timeouts: its runner retries
 * failed batches on its own.
 *
 * @param reads      the read side
 * @param commands   the write side
 * @param projection the projection's node (its runners, leases) and the store it commits to
 */
public record Pools(DataSource reads, DataSource commands, DataSource projection) {

    /** How long reads and commands wait for a connection: 1 s. */
    public static final Duration CONNECTION_TIMEOUT = Duration.ofMillis(1_000);
    /** A read statement running longer is cancelled: 1 s (the reads are single-row lookups). */
    public static final Duration READ_STATEMENT_TIMEOUT = Duration.ofSeconds(1);
    /** A read waiting longer for a lock (a read-model table locked by a migration, say) is cancelled: 500 ms. */
    public static final Duration READ_LOCK_TIMEOUT = Duration.ofMillis(500);
    /** A command's statement running longer is cancelled: 10 s. */
    public static final Duration COMMAND_STATEMENT_TIMEOUT = Duration.ofSeconds(10);
    /** A command waiting longer for a lock (a concurrent duplicate's idempotency key, say) is cancelled: 2 s. */
    public static final Duration COMMAND_LOCK_TIMEOUT = Duration.ofSeconds(2);
    /** How long the projection waits for a connection: 5 s. */
    public static final Duration PROJECTION_CONNECTION_TIMEOUT = Duration.ofSeconds(5);

    /** How many connections each pool holds. */
    public record Sizes(int reads, int commands, int projection) {
        /**
         * {@code serve}'s with the default partitions: 8 for reads, 16 for commands, 7 for the projection (see
         * {@link NodeSettings#projectionConnections()}).
         */
        public static final Sizes SERVE = serve(NodeSettings.defaults());

        /** @return {@code serve}'s sizes for {@code settings}: 8 for reads, 16 for commands, the projection's */
        public static Sizes serve(NodeSettings settings) {
            return new Sizes(8, 16, settings.projectionConnections());
        }
    }

    /** Opens the three pools on {@code database} (closed with it). */
    public static Pools open(Database database, Sizes sizes) {
        return new Pools(
                database.pool(new PoolSpec(
                        "reads",
                        sizes.reads(),
                        CONNECTION_TIMEOUT,
                        Optional.of(READ_STATEMENT_TIMEOUT),
                        Optional.of(READ_LOCK_TIMEOUT))),
                database.pool(new PoolSpec(
                        "commands",
                        sizes.commands(),
                        CONNECTION_TIMEOUT,
                        Optional.of(COMMAND_STATEMENT_TIMEOUT),
                        Optional.of(COMMAND_LOCK_TIMEOUT))),
                database.pool(new PoolSpec(
                        "projection",
                        sizes.projection(),
                        PROJECTION_CONNECTION_TIMEOUT,
                        Optional.empty(),
                        Optional.empty())));
    }
}
