package io.lockstep.example.accounts.cli;

import io.lockstep.example.accounts.app.AccountsApp;
import io.lockstep.example.accounts.app.Database;
import io.lockstep.example.accounts.app.NodeSettings;
import io.lockstep.example.accounts.app.Pools;
import io.lockstep.example.accounts.readmodel.AccountsProjection;
import io.lockstep.example.accounts.redis.TopBalances;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code serve}: the HTTP API and the projections, until the process is stopped (Ctrl-C, SIGTERM). */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = "Serves the HTTP API and runs the projections until stopped (the default command).")
final class ServeCommand implements Callable<Integer> {

    @Mixin
    DatabaseOptions database;

    @Mixin
    NodeOptions node;

    @Option(
            names = "--port",
            defaultValue = "8080",
            description = "The HTTP port; 0 picks a free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(
            names = "--host",
            defaultValue = "127.0.0.1",
            description =
                    "The address to bind; 0.0.0.0 serves other machines too (default: ${DEFAULT-VALUE}, this machine only)")
    String host;

    @Option(
            names = "--redis-url",
            defaultValue = "${env:LOCKSTEP_REDIS_URL}",
            description = "A Redis for the optional top-balances read model (GET /top-balances), e.g."
                    + " redis://127.0.0.1:6379/0 (default: $LOCKSTEP_REDIS_URL; when unset, no Redis read model)")
    String redisUrl;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65_535) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--port " + port + " is not a port; use 0..65535" + " (0 picks a free one; default 8080)");
        }
        NodeSettings settings = node.settings();
        Resources resources = new Resources();
        try {
            Database db = resources.add(database.open());
            TopBalances.Settings redis =
                    redisUrl == null || redisUrl.isBlank() ? null : TopBalances.Settings.of(redisUrl);
            AccountsApp app = resources.add(AccountsApp.start(
                    Pools.open(db, Pools.Sizes.serve(settings)), AccountsApp.POSITION_WAIT, redis, settings));
            int bound = app.listen(host, port);
            System.out.printf("listening on http://localhost:%d%n", bound);
            System.out.printf(
                    "node %s: the %s projection's %d partitions are shared with the other processes"
                            + " serving this database%n",
                    settings.nodeId(), AccountsProjection.NAME, settings.partitions());
            System.out.printf(
                    "try:  curl -s -X POST localhost:%d/accounts -d '{\"owner\":\"ada\",\"initialDeposit\":1000}'%n",
                    bound);
            System.out.printf("      curl -s localhost:%d/projections%n", bound);
            System.out.println("Ctrl-C stops it: the projection finishes its batch in flight"
                    + (db.ownsServer() ? ", then the embedded database stops" : ""));
        } catch (RuntimeException e) {
            resources.close();
            throw e;
        }
        Thread.currentThread().join(); // until the JVM is stopped; Resources closes everything on the way out
        return 0;
    }
}
