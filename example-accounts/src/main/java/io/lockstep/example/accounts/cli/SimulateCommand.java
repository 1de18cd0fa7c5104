package io.lockstep.example.accounts.cli;

import io.lockstep.example.accounts.app.AccountsApp;
import io.lockstep.example.accounts.app.Database;
import io.lockstep.example.accounts.app.NodeSettings;
import io.lockstep.example.accounts.app.Pools;
import io.lockstep.example.accounts.app.Simulation;
import io.lockstep.example.accounts.readmodel.AccountsProjection;
import io.lockstep.projection.PartitionStatus;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.ProjectionStatus;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code simulate}: runs the application (projections included) and drives load through the command
 * handlers, with progress; then waits for the projection to catch up and prints a summary.
 */
@Command(
        name = "simulate",
        mixinStandardHelpOptions = true,
        description = "Opens accounts and sends deposits, withdrawals and closings from concurrent clients.")
final class SimulateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    DatabaseOptions database;

    @Mixin
    NodeOptions node;

    @Option(
            names = "--accounts",
            defaultValue = "100",
            description = "Accounts to open, 1..100000 (default: ${DEFAULT-VALUE})")
    int accounts;

    @Option(
            names = "--commands",
            defaultValue = "10000",
            description = "Commands to send after the openings (deposits, withdrawals, closings), 0..100000000;"
                    + " each appends one event unless the account refuses it (default: ${DEFAULT-VALUE})."
                    + " --events, its older name, still works")
    long commands;

    /** The option's older name: it always counted commands, not events. */
    @Option(names = "--events", hidden = true)
    Long events;

    @Option(
            names = "--concurrency",
            defaultValue = "8",
            description = "Concurrent clients, 1..256 (default: ${DEFAULT-VALUE})")
    int concurrency;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Seed of the random choices (default: ${DEFAULT-VALUE})")
    long seed;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        check("--accounts", accounts, 1, 100_000, 100);
        if (events != null) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--commands")) {
                throw new ParameterException(spec.commandLine(), "--events is the older name of --commands; give one");
            }
            commands = events;
        }
        check("--commands", commands, 0, 100_000_000, 10_000);
        check("--concurrency", concurrency, 1, 256, 8);
        NodeSettings settings = node.settings();
        try (Resources resources = new Resources()) {
            Database db = resources.add(database.open());
            AccountsApp app = resources.add(AccountsApp.start(
                    Pools.open(db, new Pools.Sizes(2, concurrency + 4, settings.projectionConnections())),
                    Duration.ZERO,
                    null,
                    settings));
            Simulation simulation =
                    new Simulation(app.commands(), new Simulation.Plan(accounts, commands, concurrency, seed));
            AtomicReference<Object> outcome = new AtomicReference<>();
            Thread driver = Thread.ofVirtual().name("simulation").start(() -> {
                try {
                    outcome.set(simulation.run());
                } catch (Throwable e) {
                    outcome.set(e);
                }
            });
            Progress progress = new Progress(out, "simulating", "commands", Progress.isTerminal());
            while (!driver.join(Progress.BAR_EVERY)) {
                progress.update(simulation.done(), simulation.total());
            }
            progress.finish(simulation.done(), simulation.total());
            if (outcome.get() instanceof Throwable failure) {
                throw new IllegalStateException("the simulation failed: " + failure.getMessage(), failure);
            }
            Simulation.Result result = (Simulation.Result) outcome.get();
            out.printf(
                    Locale.ROOT,
                    "sent %,d commands in %.1f s (%,.0f/s): %,d events appended, refused %s%n",
                    simulation.done(),
                    result.seconds(),
                    simulation.done() / Math.max(result.seconds(), 1e-3),
                    result.appended(),
                    result.refused());

            // Every appended event gets a position, then every partition of the projection reaches it (this
            // process runs some; other processes on the database may run the others).
            // Read in this order: the backlog (no committed event waits for a position), then how far the
            // projection got, then the head. Every event committed before the first read is then at or below the
            // head, and once the projection is not behind the two are equal. (Read the other way round, an event
            // positioned in between showed "up to N+1 = head N", or the loop ended on a stale head.)
            Progress projecting = new Progress(out, "projecting", "events", Progress.isTerminal());
            long head;
            long projected;
            while (true) {
                long backlog = app.log().sequencerStatus().backlog();
                projected = app.projectedThrough();
                head = app.log().headPosition();
                if (backlog == 0 && projected >= head) {
                    break;
                }
                refuseToWaitForever(app, projected);
                projecting.update(Math.max(0, projected), head);
                Thread.sleep(Progress.BAR_EVERY.toMillis());
            }
            projecting.finish(head, head);
            out.printf(
                    "projection %s: %d partitions, every event projected up to %d = head %d%n",
                    AccountsProjection.NAME, settings.partitions(), projected, head);
        }
        return 0;
    }

    /** Fails when waiting would never end: a partition run here FAILED, or a partition is paused. */
    private static void refuseToWaitForever(AccountsApp app, long projected) {
        for (ProjectionRunner runner : app.node().runners()) {
            ProjectionStatus status = runner.status();
            if (status.state() == ProjectionState.FAILED) {
                throw new IllegalStateException("projection " + status.name() + " failed: "
                        + status.lastError().map(Object::toString).orElse("?"));
            }
        }
        List<PartitionStatus> paused = app.node().status(AccountsProjection.NAME).stream()
                .filter(PartitionStatus::paused)
                .toList();
        if (!paused.isEmpty()) {
            throw new IllegalStateException("the simulation is stored, but projection " + AccountsProjection.NAME
                    + " is paused (" + paused.size() + " of its partitions) at " + projected + "; resume it (POST"
                    + " /projections/" + AccountsProjection.NAME + "/resume) to project the rest");
        }
    }

    private void check(String option, long value, long min, long max, long fallback) {
        if (value < min || value > max) {
            throw new ParameterException(
                    spec.commandLine(),
                    option + " " + value + " makes no sense; use " + min + ".." + max + " (default " + fallback + ")");
        }
    }
}
