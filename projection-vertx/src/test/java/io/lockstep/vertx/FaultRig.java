package io.lockstep.vertx;

import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockstep.migrations.LockstepMigrations;
import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.postgres.eventlog.EventTypes;
import io.lockstep.postgres.eventlog.ExpectedVersion;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.projection.Envelope;
import io.lockstep.projection.FailurePolicy;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.ProjectionStatus;
import io.lockstep.projection.RetryPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One projection on a database of its own in an {@link OwnedServer}, as an application runs it: the event log
 * started with its sequencer and the runner's store on a pool of a non-superuser role with the README's
 * grants ({@code app}), and a superuser pool ({@code admin}) through which the test appends events and injects
 * faults. The read model {@code balance} sums each account's deposits; {@link #fold()} computes the same from the
 * log, independently of the projection.
 */
final class FaultRig implements AutoCloseable {

    /** Money came in, in cents; a negative amount makes no sense and its handler refuses it. */
    record Deposited(String account, long amount) {}

    /** What a broken writer stored under the type name {@code Deposited}: an amount the reader cannot decode. */
    record MistypedDeposit(String account, String amount) {}

    static final String NAME = "balances";
    static final Duration PATIENCE = Duration.ofSeconds(30);
    /** How long a pool waits for a connection: 2 s instead of HikariCP's 30 s, to keep the tests short. */
    static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(2);
    /** The health's stall bound in these tests: 2 s instead of the default 10 s, to keep the tests short. */
    static final Duration STALL_BOUND = Duration.ofSeconds(2);

    static final EventTypes TYPES =
            EventTypes.builder().register("Deposited", Deposited.class).build();
    private static final EventTypes MISTYPED =
            EventTypes.builder().register("Deposited", MistypedDeposit.class).build();

    final OwnedServer server;
    final String database;
    final HikariDataSource admin;
    final HikariDataSource app;
    final PostgresEventLog writer;
    final PostgresEventLog log;
    final ProjectionRunner runner;
    final ProjectionHealth health =
            ProjectionHealth.builder().stallBound(STALL_BOUND).build();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private long appended;

    FaultRig(OwnedServer server, String database, String projector, FailurePolicy policy, Duration lockTimeout) {
        this.server = server;
        this.database = database;
        server.execute("postgres", "CREATE DATABASE " + database);
        this.admin = pool(server.url(database, "postgres"), database + "-admin");
        LockstepMigrations.migrate(admin);
        execute(
                "CREATE TABLE balance (account text PRIMARY KEY, amount bigint NOT NULL, events bigint NOT NULL)",
                "GRANT SELECT, INSERT, UPDATE, DELETE ON balance TO " + projector,
                readmeGrants(projector));
        this.app = pool(server.url(database, projector), database + "-app");
        this.writer = PostgresEventLog.builder(admin, TYPES).build();
        this.log = PostgresEventLog.builder(app, TYPES).build();
        log.start();
        PostgresProjectionStore store =
                PostgresProjectionStore.builder(app).lockTimeout(lockTimeout).build();
        this.runner = ProjectionRunner.builder(projection(policy), store, log)
                .batchSize(100)
                .retryPolicy(new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1)))
                .idleWait(Duration.ofMillis(200))
                .headRefresh(Duration.ofMillis(200))
                .listener(new ProjectionMetrics(registry))
                .build();
    }

    private static Projection<PostgresTransaction> projection(FailurePolicy policy) {
        return Projection.<PostgresTransaction>builder(NAME)
                .on(Deposited.class, (e, env, tx) -> {
                    if (e.amount() < 0) {
                        throw new IllegalArgumentException("a deposit of " + e.amount() + " cents makes no sense");
                    }
                    tx.dsl()
                            .execute(
                                    "INSERT INTO balance (account, amount, events) VALUES (?, ?, 1)"
                                            + " ON CONFLICT (account) DO UPDATE SET amount = balance.amount + EXCLUDED.amount,"
                                            + " events = balance.events + 1",
                                    e.account(),
                                    e.amount());
                })
                .onReset(tx -> tx.dsl().execute("DELETE FROM balance"))
                .failurePolicy(policy)
                .build();
    }

    /** Appends {@code count} deposits to ten accounts. */
    void append(int count) {
        for (int account = 0; account < 10; account++) {
            List<Deposited> events = new ArrayList<>();
            for (int i = account; i < count; i += 10) {
                events.add(new Deposited("acc-" + account, 1 + i % 7));
            }
            if (!events.isEmpty()) {
                writer.append("acc-" + account, ExpectedVersion.any(), events);
            }
        }
        appended += count;
    }

    /** Appends one deposit to each of {@code count} accounts that have no row yet. */
    void appendNewAccounts(int count) {
        List<Deposited> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(new Deposited("new-" + appended + "-" + i, 3));
        }
        writer.append("openings-" + appended, ExpectedVersion.any(), events);
        appended += count;
    }

    /** Appends one event whose amount the reader cannot decode (a writer with another type under its name). */
    void appendUndecodable(String account) {
        PostgresEventLog.builder(admin, MISTYPED)
                .build()
                .append(account, ExpectedVersion.any(), List.of(new MistypedDeposit(account, "lots")));
        appended++;
    }

    /** @return how many events were appended: the head once sequenced (positions start at 1) */
    long appended() {
        return appended;
    }

    ProjectionStatus status() {
        return runner.status();
    }

    /** @return the value of gauge {@code name} (with tag {@code state} when given) */
    double gauge(String name, String state) {
        var search = registry.get(name);
        return (state == null ? search : search.tag("state", state)).gauge().value();
    }

    ProjectionHealth.Level health() {
        return health.check(List.of(runner.status())).level();
    }

    /** Waits until every appended event is applied and the runner is LIVE. */
    void awaitCaughtUp() {
        await().atMost(PATIENCE)
                .until(() -> runner.status().checkpoint() == appended
                        && runner.status().state() == ProjectionState.LIVE);
    }

    /** Waits until the head in the runner's status shows every appended event. */
    void awaitHeadCurrent() {
        await().atMost(PATIENCE).until(() -> runner.status().headPosition() == appended);
    }

    /** @return account to {amount, events}, folded from the log without the projection's code */
    Map<String, List<Long>> fold() {
        Map<String, List<Long>> fold = new TreeMap<>();
        long after = -1;
        for (List<Envelope> page = writer.read(after, 1000); !page.isEmpty(); page = writer.read(after, 1000)) {
            for (Envelope envelope : page) {
                Deposited deposit = (Deposited) envelope.event();
                fold.merge(
                        deposit.account(),
                        List.of(deposit.amount(), 1L),
                        (a, b) -> List.of(a.get(0) + b.get(0), a.get(1) + b.get(1)));
            }
            after = page.getLast().position();
        }
        return fold;
    }

    /** @return account to {amount, events}, as the read model has them */
    Map<String, List<Long>> readModel() {
        Map<String, List<Long>> rows = new TreeMap<>();
        try (Connection connection = admin.getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT account, amount, events FROM balance")) {
            while (result.next()) {
                rows.put(result.getString(1), List.of(result.getLong(2), result.getLong(3)));
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    long deadLetters() {
        return queryLong("SELECT count(*) FROM lockstep.dead_letters");
    }

    long queryLong(String sql) {
        try (Connection connection = admin.getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /** Runs statements as the superuser in this rig's database. */
    void execute(String... statements) {
        server.execute(database, statements);
    }

    @Override
    public void close() {
        runner.stop();
        log.close();
        app.close();
        admin.close();
        server.execute("postgres", "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }

    private static HikariDataSource pool(String url, String name) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(4);
        config.setPoolName(name);
        config.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
        return new HikariDataSource(config);
    }

    /** @return the projector's grants from the README, for {@code role} */
    private static String readmeGrants(String role) {
        try {
            String readme = Files.readString(Path.of("../README.md"));
            String block =
                    readme.substring(readme.indexOf("<!-- grants:start -->"), readme.indexOf("<!-- grants:end -->"));
            String sql = block.substring(block.indexOf("```sql") + 6, block.lastIndexOf("```"));
            StringBuilder projector = new StringBuilder();
            for (String line : sql.split("\n")) {
                if (line.contains("app_projector")) {
                    projector.append(line.replace("app_projector", role)).append('\n');
                }
            }
            return projector.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
