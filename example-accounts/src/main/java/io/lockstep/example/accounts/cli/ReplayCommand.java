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
import io.lockstep.projection.PartitionStatus;
import io.lockstep.projection.ProjectionListener;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.ProjectionStatus;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code replay <projection>}: clears the projection's tables and sets every partition's checkpoint to -1 in one
 * transaction, then projects the whole log again, with progress, and exits when every partition has caught up
 * with the log. It joins the processes on the database as a node of its own: alone it runs every partition;
 * beside {@code serve} processes they share the rebuild (partitions are spread over the live nodes, and handed
 * back when this one exits). Progress and the summary follow the database, whoever committed.
 */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description = "Rebuilds a projection from position -1 and exits when it has caught up.")
final class ReplayCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    DatabaseOptions database;

    @Mixin
    NodeOptions node;

    @Parameters(
            paramLabel = "<projection>",
            description = "The projection to replay: ${COMPLETION-CANDIDATES}",
            completionCandidates = Projections.class)
    String projection;

    private final PrintStream out = System.out;

    /** The names picocli offers. */
    static final class Projections extends java.util.ArrayList<String> {
        Projections() {
            super(StatusCommand.PROJECTIONS);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!StatusCommand.PROJECTIONS.contains(projection)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "unknown projection '" + projection + "'; this application runs "
                            + String.join(", ", StatusCommand.PROJECTIONS));
        }
        NodeSettings settings = node.settings();
        try (Resources resources = new Resources()) {
            Database db = resources.add(database.open());
            DataSource pool = db.pool(new PoolSpec(
                    "replay",
                    settings.projectionConnections(),
                    Pools.PROJECTION_CONNECTION_TIMEOUT,
                    Optional.empty(),
                    Optional.empty()));
            PostgresEventLog log = resources.add(
                    PostgresEventLog.builder(pool, AccountEventTypes.registry()).build());
            PostgresProjectionStore store =
                    PostgresProjectionStore.builder(pool).build();
            LongAdder appliedHere = new LongAdder();
            ProjectionListener counting = new ProjectionListener() {
                @Override
                public void batchCommitted(ProjectionStatus status, int events, Duration duration) {
                    appliedHere.add(events);
                }
            };
            ProjectionNode replaying = resources.add(ProjectionNode.builder(pool, store, log)
                    .nodeId(settings.nodeId())
                    .projection(AccountsProjection.create(), settings.partitions(), runner -> runner.listener(counting))
                    .build());
            refuseIfPaused(replaying);
            log.start();
            replaying.start();
            refuseIfPaused(replaying); // a re-partitioning at start carries a pause over
            long started = System.nanoTime();
            appliedHere.reset(); // count the rebuild only
            replaying.replay(projection);
            long head = log.headPosition();
            rebuild(replaying, head);
            report(replaying, log, appliedHere.sum(), (System.nanoTime() - started) / 1e9);
        }
        return 0;
    }

    private void refuseIfPaused(ProjectionNode replaying) {
        if (replaying.status(projection).stream().anyMatch(PartitionStatus::paused)) {
            throw new IllegalStateException("projection " + projection + " is paused, so a replay would empty its"
                    + " tables and not rebuild them; resume it first (POST /projections/" + projection
                    + "/resume), then replay. Nothing was changed");
        }
    }

    /**
     * Waits until every partition has projected up to {@code head} (this node runs its share; other nodes theirs),
     * with progress.
     */
    private void rebuild(ProjectionNode replaying, long head) throws InterruptedException {
        Progress progress = new Progress(out, "replaying " + projection, "events", Progress.isTerminal());
        long projected;
        while ((projected = replaying.projectedThrough(projection)) < head) {
            for (ProjectionRunner runner : replaying.runners()) {
                ProjectionStatus status = runner.status();
                if (status.state() == ProjectionState.FAILED) {
                    throw new IllegalStateException(
                            "replay of " + projection + " stopped: " + status.name() + " failed: "
                                    + status.lastError().map(Object::toString).orElse("?"));
                }
            }
            if (replaying.status(projection).stream().anyMatch(PartitionStatus::paused)) {
                throw new IllegalStateException("projection " + projection + " was paused during the replay, at"
                        + " position " + projected + " of " + head + "; resume it (POST /projections/" + projection
                        + "/resume) and the nodes of serve finish the rebuild");
            }
            progress.update(Math.max(0, projected), head);
            Thread.sleep(Progress.BAR_EVERY.toMillis());
        }
        progress.finish(Math.max(0, projected), Math.max(projected, head));
    }

    /** Prints what the log holds and what was rebuilt, by this process and by other nodes. */
    private void report(ProjectionNode replaying, PostgresEventLog log, long here, double seconds) {
        long checkpoint = replaying.projectedThrough(projection);
        long rebuilt = Math.max(0, checkpoint); // positions are dense from 1
        long head = log.headPosition();
        long waiting = log.sequencerStatus().backlog();
        out.printf(
                Locale.ROOT,
                "replayed %s: the log holds %,d events (head position %,d)%s; rebuilt from %,d of them"
                        + " in %.1f s (%,.0f events/s), checkpoint %,d: %,d applied by this process, %,d by another"
                        + " runner of %s (serve, say)%n",
                projection,
                head,
                head,
                waiting > 0 ? String.format(Locale.ROOT, " and %,d more waiting for a position", waiting) : "",
                rebuilt,
                seconds,
                rebuilt / Math.max(seconds, 1e-3),
                checkpoint,
                here,
                Math.max(0, rebuilt - here),
                projection);
    }
}
