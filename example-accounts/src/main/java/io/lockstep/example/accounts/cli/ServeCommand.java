package io.lockstep.example.accounts.cli;

import io.lockstep.example.accounts.app.AccountsApp;
import io.lockstep.example.accounts.app.Database;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("stopping: the projection finishes its batch in flight");
            try {
                app.close();
            } finally {
                db.close();
                stopped.countDown();
            }
        }, "accounts-shutdown"));
        int bound = app.listen(port);
        System.out.printf("listening on http://localhost:%d%n", bound);
        System.out.printf("try:  curl -s -X POST localhost:%d/accounts -d '{\"owner\":\"ada\",\"initialDeposit\":1000}'%n", bound);
        System.out.printf("      curl -s localhost:%d/projections%n", bound);
        stopped.await();
        return 0;
    }
}
