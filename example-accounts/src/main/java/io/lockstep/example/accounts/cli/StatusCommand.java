package io.lockstep.example.accounts.cli;

import io.lockstep.example.accounts.app.Database;
import io.lockstep.example.accounts.app.PoolSpec;
import io.lockstep.example.accounts.app.Pools;
import io.lockstep.example.accounts.domain.AccountEventTypes;
import io.lockstep.example.accounts.readmodel.AccountsProjection;
import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.projection.CheckpointKey;
import io.lockstep.projection.StoredCheckpoint;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import javax.sql.DataSource;
import picocli.CommandLine.Mixin;

/**
 * {@code status}: every projection's stored checkpoint against the log's head, and the sequencer. What is
 * stored: PAUSED, CAUGHT_UP or BEHIND. A runner's own state (LIVE, STALLED with its error and next attempt,
 * FAILED with its error) lives in the process running it: {@code GET /projections} on {@code serve}. The lag
 * counts events: the log's positions start at 1, so a checkpoint of -1 lags {@code head} events.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Prints every projection's checkpoint, lag and state, and the sequencer's backlog.")
final class StatusCommand implements Callable<Integer> {

    /** The projections this application runs. */
    static final List<String> PROJECTIONS = List.of(AccountsProjection.NAME);

    @Mixin
    DatabaseOptions database;

    private final PrintStream out = System.out;

    @Override
    public Integer call() {
        try (Resources resources = new Resources()) {
            Database db = resources.add(database.open());
            DataSource pool = db.pool(new PoolSpec("status", 2, Pools.CONNECTION_TIMEOUT,
                    Optional.of(Pools.READ_STATEMENT_TIMEOUT), Optional.empty()));
            PostgresEventLog log = PostgresEventLog.builder(pool, AccountEventTypes.registry()).build();
            PostgresProjectionStore store = PostgresProjectionStore.builder(pool).build();
            long head = log.headPosition();
            out.printf("%-16s %7s %-10s %12s %12s %12s%n", "projection", "version", "stored", "checkpoint", "head", "lag");
            for (String name : PROJECTIONS) {
                StoredCheckpoint stored = store.readCheckpoint(CheckpointKey.of(name));
                String state = stored.paused() ? "PAUSED" : stored.position() >= head ? "CAUGHT_UP" : "BEHIND";
                out.printf("%-16s %7d %-10s %,12d %,12d %,12d%n", name, stored.version(), state, stored.position(), head,
                        Math.max(0, head - Math.max(0, stored.position())));
            }
            PostgresEventLog.SequencerStatus sequencer = log.sequencerStatus();
            out.printf("%nsequencer: last tick %s, %,d committed events waiting for a position%n",
                    sequencer.lastTick(), sequencer.backlog());
        }
        return 0;
    }
}
