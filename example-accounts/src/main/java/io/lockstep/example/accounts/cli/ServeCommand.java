package io.lockstep.example.accounts.cli;

import io.lockstep.example.accounts.app.AccountsApp;
import io.lockstep.example.accounts.app.Database;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code serve}: the HTTP API and the projections, until the process is stopped (Ctrl-C, SIGTERM). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serves the HTTP API and runs the projections until stopped (the default command).")
final class ServeCommand implements Callable<Integer> {

    @Mixin
    DatabaseOptions database;

    @Option(names = "--port", defaultValue = "8080", description = "The HTTP port; 0 picks a free one (default: ${DEFAULT-VALUE})")
    int port;

    @Override
    public Integer call() throws InterruptedException {
        Database db = database.open(16);
        AccountsApp app;
        try {
            app = AccountsApp.start(db.dataSource(), AccountsApp.POSITION_WAIT);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        AtomicBoolean stopping = new AtomicBoolean();
        Runnable stop = () -> {
            if (stopping.getAndSet(true)) {
                return;
            }
            System.out.println("stopping: the projection finishes its batch in flight");
            try {
                app.close();
            } finally {
                db.close();
            }
        };
        // SIGTERM and Ctrl-C ask this thread to stop the application, instead of starting the JVM's shutdown: a
        // shutdown a signal starts exits 143 (130) whatever this returns, and runs all shutdown hooks at once,
        // the embedded PostgreSQL's own among them, which stops the server under the batch in flight. The hook
        // covers every other way the JVM ends.
        CountDownLatch stopRequested = new CountDownLatch(1);
        for (String signal : List.of("TERM", "INT")) {
            try {
                Signal.handle(new Signal(signal), received -> stopRequested.countDown());
            } catch (IllegalArgumentException e) {
                System.err.println("SIG" + signal + " stops the JVM directly (" + e.getMessage() + ")");
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "accounts-shutdown"));
        int bound = app.listen(port);
        System.out.printf("listening on http://localhost:%d%n", bound);
        System.out.printf("try:  curl -s -X POST localhost:%d/accounts -d '{\"owner\":\"ada\",\"initialDeposit\":1000}'%n", bound);
        System.out.printf("      curl -s localhost:%d/projections%n", bound);
        stopRequested.await();
        stop.run();
        return 0;
    }
}
