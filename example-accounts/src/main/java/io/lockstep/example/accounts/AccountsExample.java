package io.lockstep.example.accounts;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockstep.example.accounts.AccountEvent.AccountClosed;
import io.lockstep.example.accounts.AccountEvent.AccountCreated;
import io.lockstep.example.accounts.AccountEvent.FundsDeposited;
import io.lockstep.example.accounts.AccountEvent.FundsWithdrawn;
import io.lockstep.projection.InMemoryEventSource;
import io.lockstep.projection.ProjectionStatus;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The accounts example, first cut: opens a few accounts, moves money, and projects the events into the
 * {@code account_balance} table of a PostgreSQL database, then prints the read model and the projection's
 * status. Events come from an in-memory source until the PostgreSQL event log lands.
 */
@Command(name = "accounts-example", mixinStandardHelpOptions = true,
        description = "Projects account events into PostgreSQL with Lockstep and prints the read model.")
public final class AccountsExample implements Callable<Integer> {

    @Option(names = "--jdbc-url", defaultValue = "${env:LOCKSTEP_JDBC_URL}",
            description = "An existing PostgreSQL database (default: \\$LOCKSTEP_JDBC_URL, else an embedded PostgreSQL)")
    String jdbcUrl;

    @Spec
    CommandSpec spec;

    private int accounts;

    @Option(names = "--accounts", defaultValue = "5", description = "Accounts to open, 1..10000 (default: ${DEFAULT-VALUE})")
    void accounts(int value) {
        if (value < 1 || value > 10_000) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--accounts " + value + " makes no sense; use 1..10000 (default 5)");
        }
        this.accounts = value;
    }

    private final PrintStream out = System.out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new AccountsExample()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        EmbeddedPostgres embedded = jdbcUrl == null ? EmbeddedPostgres.builder().start() : null;
        String url = embedded != null ? embedded.getJdbcUrl("postgres", "postgres") : jdbcUrl;
        try (HikariDataSource dataSource = pool(url)) {
            run(dataSource);
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
        return 0;
    }

    private void run(DataSource dataSource) throws InterruptedException {
        Flyway.configure().dataSource(dataSource).locations("classpath:db/accounts").load().migrate();

        InMemoryEventSource events = new InMemoryEventSource();
        for (int i = 1; i <= accounts; i++) {
            String id = "acc-" + i;
            events.append(id, new AccountCreated(id, "owner-" + (i % 3), 10_000L * i));
            events.append(id, new FundsDeposited(id, 2_500));
            events.append(id, new FundsWithdrawn(id, 1_000L * i));
        }
        events.append("acc-1", new AccountClosed("acc-1"));

        ProjectionStatus status = AccountBalances.project(dataSource, events);
        out.printf("projected %d events%n%n", events.headPosition() + 1);
        printReadModel(dataSource);
        out.printf("%nprojection %s v%d: %s, checkpoint %d, head %d, lag %d events%n", status.name(),
                status.version(), status.state(), status.checkpoint(), status.headPosition(), status.lagEvents());
    }

    private void printReadModel(DataSource dataSource) {
        var dsl = org.jooq.impl.DSL.using(dataSource, org.jooq.SQLDialect.POSTGRES);
        out.printf("%-8s %-8s %12s %4s %s%n", "account", "owner", "balance", "txns", "closed");
        dsl.selectFrom(AccountTables.ACCOUNT_BALANCE).orderBy(AccountTables.ACCOUNT_ID).fetch()
                .forEach(row -> out.printf("%-8s %-8s %12.2f %4d %s%n", row.get(AccountTables.ACCOUNT_ID),
                        row.get(AccountTables.OWNER), row.get(AccountTables.BALANCE) / 100.0,
                        row.get(AccountTables.TRANSACTIONS), row.get(AccountTables.CLOSED)));
    }

    private static HikariDataSource pool(String url) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(4);
        return new HikariDataSource(config);
    }
}
