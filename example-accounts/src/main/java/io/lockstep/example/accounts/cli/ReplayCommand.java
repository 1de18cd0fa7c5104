package io.lockstep.example.accounts.cli;

import io.lockstep.example.accounts.app.Database;
import io.lockstep.example.accounts.domain.AccountEventTypes;
import io.lockstep.example.accounts.readmodel.AccountsProjection;
import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.projection.ProjectionRunner;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code replay <projection>}: clears the projection's tables and sets its checkpoint to -1 in one
 * transaction, then projects the whole log again, with progress, and exits when caught up. Safe while
 * {@code serve} runs on the same database: the checkpoint guard lets one runner commit each batch.
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
            Database db = resources.add(database.open(4));
            PostgresEventLog log = resources.add(PostgresEventLog.builder(db.dataSource(), AccountEventTypes.registry())
                    .build());
            PostgresProjectionStore store = PostgresProjectionStore.builder(db.dataSource()).build();
            ProjectionRunner runner = resources.add(ProjectionRunner.builder(AccountsProjection.create(), store, log)
                    .build());
            log.start();
            if (store.readCheckpoint(runner.key()).paused()) {
                throw new IllegalStateException("projection " + projection + " is paused, so a replay would empty its"
                        + " tables and not rebuild them; resume it first (POST /projections/" + projection
                        + "/resume), then replay. Nothing was changed");
            }
            runner.replay();
            long head = log.headPosition();
            long started = System.nanoTime();
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
                progress.update(Math.max(0, runner.status().checkpoint()), Math.max(head, runner.status().headPosition()));
            }
            if (failure.get() != null) {
                throw new IllegalStateException("replay of " + projection + " stopped: " + failure.get().getMessage(),
                        failure.get());
            }
            long events = runner.status().eventsProcessed();
            progress.finish(runner.status().checkpoint(), runner.status().checkpoint());
            double seconds = (System.nanoTime() - started) / 1e9;
            out.printf(Locale.ROOT, "replayed %s: %,d events in %.1f s (%,.0f events/s); checkpoint %d%n", projection,
                    events, seconds, events / Math.max(seconds, 1e-3), runner.status().checkpoint());
        }
        return 0;
    }
}
