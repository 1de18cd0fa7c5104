package io.lockstep.example.accounts.cli;

import io.lockstep.example.accounts.app.Database;
import io.lockstep.example.accounts.app.PoolSpec;
import io.lockstep.example.accounts.app.Pools;
import io.lockstep.example.accounts.domain.AccountEventTypes;
import io.lockstep.example.accounts.readmodel.AccountsProjection;
import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.StoredCheckpoint;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import javax.sql.DataSource;

/**
 * {@code replay <projection>}: clears the projection's tables and sets its checkpoint to -1 in one
 * transaction, then projects the whole log again, with progress, and exits when the stored checkpoint has
 * caught up with the log. Safe while {@code serve} runs on the same database: the checkpoint guard lets one
 * runner commit each batch, so the rebuild is shared between this process and the others; progress and the
 * summary follow the stored checkpoint, whoever committed it.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Rebuilds a projection from position -1 and exits when it has caught up.")
final class ReplayCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    DatabaseOptions database;

    @Parameters(paramLabel = "<projection>", description = "The projection to replay: ${COMPLETION-CANDIDATES}",
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
            throw new ParameterException(spec.commandLine(), "unknown projection '" + projection + "'; this application runs "
                    + String.join(", ", StatusCommand.PROJECTIONS));
        }
        try (Resources resources = new Resources()) {
            Database db = resources.add(database.open());
            DataSource pool = db.pool(new PoolSpec("replay", 4, Pools.PROJECTION_CONNECTION_TIMEOUT, Optional.empty(),
                    Optional.empty()));
            PostgresEventLog log = resources.add(PostgresEventLog.builder(pool, AccountEventTypes.registry()).build());
            PostgresProjectionStore store = PostgresProjectionStore.builder(pool).build();
            ProjectionRunner runner = resources.add(ProjectionRunner.builder(AccountsProjection.create(), store, log)
                    .build());
            log.start();
            if (store.readCheckpoint(runner.key()).paused()) {
                throw new IllegalStateException("projection " + projection + " is paused, so a replay would empty its"
                        + " tables and not rebuild them; resume it first (POST /projections/" + projection
                        + "/resume), then replay. Nothing was changed");
            }
            long started = System.nanoTime();
            runner.replay();
            rebuild(runner, store, log.headPosition());
            report(runner, store, log, (System.nanoTime() - started) / 1e9);
        }
        return 0;
    }

    /**
     * Projects on this process's runner until it finds nothing more to project (other runners may commit
     * batches meanwhile), with progress following the stored checkpoint towards {@code head}.
     */
    private void rebuild(ProjectionRunner runner, PostgresProjectionStore store, long head) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread catchingUp = Thread.ofVirtual().name("replay-" + projection).start(() -> {
            try {
                runner.catchUp();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        Progress progress = new Progress(out, "replaying " + projection, "events", Progress.isTerminal());
        while (!catchingUp.join(Progress.BAR_EVERY)) {
            progress.update(Math.max(0, store.readCheckpoint(runner.key()).position()), head);
        }
        if (failure.get() != null) {
            throw new IllegalStateException("replay of " + projection + " stopped: " + failure.get().getMessage(),
                    failure.get());
        }
        StoredCheckpoint stored = store.readCheckpoint(runner.key());
        progress.finish(Math.max(0, stored.position()), Math.max(stored.position(), head));
        if (stored.paused()) {
            throw new IllegalStateException("projection " + projection + " was paused during the replay, at position "
                    + stored.position() + " of " + head + "; resume it (POST /projections/" + projection
                    + "/resume) and the runner of serve finishes the rebuild");
        }
    }

    /** Prints what the log holds and what was rebuilt, by this process and by other runners. */
    private void report(ProjectionRunner runner, PostgresProjectionStore store, PostgresEventLog log, double seconds) {
        long checkpoint = store.readCheckpoint(runner.key()).position();
        long rebuilt = Math.max(0, checkpoint); // positions are dense from 1
        long here = runner.status().eventsProcessed();
        long head = log.headPosition();
        long waiting = log.sequencerStatus().backlog();
        out.printf(Locale.ROOT, "replayed %s: the log holds %,d events (head position %,d)%s; rebuilt from %,d of them"
                        + " in %.1f s (%,.0f events/s), checkpoint %,d: %,d applied by this process, %,d by another"
                        + " runner of %s (serve, say)%n", projection, head, head,
                waiting > 0 ? String.format(Locale.ROOT, " and %,d more waiting for a position", waiting) : "",
                rebuilt, seconds, rebuilt / Math.max(seconds, 1e-3), checkpoint, here, Math.max(0, rebuilt - here),
                projection);
    }
}
