package io.lockstep.example.accounts.cli;

import io.lockstep.example.accounts.app.Database;
import io.lockstep.example.accounts.app.NodeSettings;
import io.lockstep.example.accounts.app.PoolSpec;
import io.lockstep.example.accounts.app.Pools;
import io.lockstep.example.accounts.domain.AccountEventTypes;
import io.lockstep.example.accounts.readmodel.AccountsProjection;
import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.ProjectionNode;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.projection.CheckpointKey;
import io.lockstep.projection.PartitionStatus;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import javax.sql.DataSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code status}: every projection as a whole and each of its partitions, against the log's head, and the
 * sequencer. The projection's line says how far it got as a whole (every event up to that position projected, in
 * every partition) and its stored state: PAUSED, CAUGHT_UP or BEHIND. Each partition's line shows the node
 * holding its lease ({@code -} when none does: no process runs it), its stored checkpoint, and its lag bound,
 * {@code <= n} (the log's events after its checkpoint; a partition's checkpoint moves with its own events only, so
 * a quiet partition counts other partitions' events too). A runner's own state (LIVE, STALLED with its error, FAILED)
 * lives in the process running it: {@code GET /projections} on {@code serve}. The log's positions start at 1, so
 * a checkpoint of -1 lags {@code head} events. Reads only: starts no node.
 */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Prints each projection's and partition's checkpoint, owner, lag and state, and the sequencer's"
                + " backlog.")
final class StatusCommand implements Callable<Integer> {

    /** The projections this application runs. */
    static final List<String> PROJECTIONS = List.of(AccountsProjection.NAME);

    @Mixin
    DatabaseOptions database;

    @Mixin
    PartitionsOption partitions;

    private final PrintStream out = System.out;

    @Override
    public Integer call() {
        java.util.OptionalInt asked = partitions.asked(); // a bad value fails before anything connects
        try (Resources resources = new Resources()) {
            Database db = resources.add(database.open());
            DataSource pool = db.pool(new PoolSpec(
                    "status",
                    2,
                    Pools.CONNECTION_TIMEOUT,
                    Optional.of(Pools.READ_STATEMENT_TIMEOUT),
                    Optional.empty()));
            PostgresEventLog log = PostgresEventLog.builder(pool, AccountEventTypes.registry())
                    .runSequencer(false)
                    .build();
            PostgresProjectionStore store =
                    PostgresProjectionStore.builder(pool).build();
            java.util.OptionalInt declared = ProjectionNode.declaredPartitions(store, AccountsProjection.NAME);
            NodeSettings settings = partitions.settings(declared);
            if (asked.isPresent() && declared.isPresent() && asked.getAsInt() != declared.getAsInt()) {
                out.printf(
                        "note: the processes run %s in %d partitions; shown in %d as asked (--partitions)%n%n",
                        AccountsProjection.NAME, declared.getAsInt(), asked.getAsInt());
            }
            ProjectionNode view = ProjectionNode.builder(pool, store, log)
                    .nodeId(settings.nodeId())
                    .projection(AccountsProjection.create(), settings.partitions())
                    .build(); // never started
            out.printf(
                    "%-16s %7s %-10s %12s %12s %12s  %s%n",
                    "projection", "version", "stored", "checkpoint", "head", "lag", "owner");
            for (String name : PROJECTIONS) {
                print(name, view, store);
            }
            PostgresEventLog.SequencerStatus sequencer = log.sequencerStatus();
            out.printf(
                    "%nsequencer: last tick %s, %,d committed events waiting for a position%n",
                    sequencer.lastTick(), sequencer.backlog());
        }
        return 0;
    }

    /** The projection as a whole, then one line per partition. */
    private void print(String name, ProjectionNode view, PostgresProjectionStore store) {
        List<PartitionStatus> parts = view.status(name);
        long projected = view.projectedThrough(name);
        long head = parts.getFirst().head();
        int version = store.readCheckpoint(new CheckpointKey(
                        CheckpointKey.NO_TENANT, parts.getFirst().partition().checkpointName(name)))
                .version();
        boolean paused = parts.stream().anyMatch(PartitionStatus::paused);
        String state = paused ? "PAUSED" : projected >= head ? "CAUGHT_UP" : "BEHIND";
        long owners = parts.stream()
                .map(PartitionStatus::owner)
                .flatMap(Optional::stream)
                .distinct()
                .count();
        out.printf(
                "%-16s %7d %-10s %,12d %,12d %,12d  %d partitions over %d node(s)%n",
                name, version, state, projected, head, lag(head, projected), parts.size(), owners);
        if (parts.size() == 1 && parts.getFirst().owner().isEmpty()) {
            return;
        }
        for (PartitionStatus part : parts) {
            out.printf(
                    "  %-14s %7s %-10s %,12d %12s %12s  %s%n",
                    part.partition().checkpointName(name),
                    "",
                    part.paused() ? "PAUSED" : "",
                    part.checkpoint(),
                    "",
                    String.format("<= %,d", lag(part.head(), part.checkpoint())),
                    part.owner().orElse("-"));
        }
    }

    private static long lag(long head, long checkpoint) {
        return Math.max(0, head - Math.max(0, checkpoint));
    }
}
