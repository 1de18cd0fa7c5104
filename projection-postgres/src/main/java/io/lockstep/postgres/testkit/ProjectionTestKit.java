package io.lockstep.postgres.testkit;

import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.postgres.eventlog.AppendResult;
import io.lockstep.postgres.eventlog.EventTypes;
import io.lockstep.postgres.eventlog.ExpectedVersion;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionStatus;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * Given/when/then for projection tests against a real PostgreSQL: append events, project them until the
 * projection has caught up with the head (no sleeps: the kit sequences and steps synchronously), then read
 * rows. The database must be migrated ({@code LockstepMigrations.migrate}) and hold the read model's tables.
 *
 * <pre>{@code
 * ProjectionTestKit kit = ProjectionTestKit.of(dataSource, types, AccountBalances.projection());
 * kit.given("acc-1", new AccountCreated("acc-1", "ada", 1000), new FundsDeposited("acc-1", 500));
 * kit.whenProjected();
 * assertThat(kit.rows("SELECT balance FROM account_balance WHERE account_id = ?", "acc-1"))
 *         .containsExactly(Map.of("balance", 1500L));
 * }</pre>
 *
 * Not thread-safe: one kit per test.
 */
public final class ProjectionTestKit {

    /** How long {@link #whenProjected()} retries a failing store before it gives up, in seconds. */
    public static final int PATIENCE_SECONDS = 5;

    private static final java.time.Duration PATIENCE = java.time.Duration.ofSeconds(PATIENCE_SECONDS);

    private final DataSource dataSource;
    private final PostgresEventLog log;
    private final ProjectionRunner runner;

    private ProjectionTestKit(DataSource dataSource, PostgresEventLog log, ProjectionRunner runner) {
        this.dataSource = dataSource;
        this.log = log;
        this.runner = runner;
    }

    /** A kit for {@code projection} over the event log and store in the default {@code lockstep} schema. */
    public static ProjectionTestKit of(
            DataSource dataSource, EventTypes types, Projection<PostgresTransaction> projection) {
        Objects.requireNonNull(dataSource, "dataSource");
        PostgresEventLog log = PostgresEventLog.builder(dataSource, types).build();
        ProjectionRunner runner = ProjectionRunner.builder(
                        projection, PostgresProjectionStore.builder(dataSource).build(), log)
                .build();
        return new ProjectionTestKit(dataSource, log, runner);
    }

    /** Given: appends {@code events} to {@code streamId} (whatever its version). */
    public AppendResult given(String streamId, Object... events) {
        return log.append(streamId, ExpectedVersion.any(), Arrays.asList(events));
    }

    /** @return the event log the kit appends to, for appends with metadata or expected versions */
    public PostgresEventLog eventLog() {
        return log;
    }

    /**
     * When: sequences everything appended so far and projects it. A store that keeps failing in a way that is
     * not an event's (a missing read-model table, a missing grant) fails this call after {@value #PATIENCE_SECONDS}
     * s with its error, instead of retrying for ever as a running projection would.
     *
     * @return the projection's status afterwards (checkpoint at the head unless a poison event stopped it)
     */
    public ProjectionStatus whenProjected() throws InterruptedException {
        log.sequence();
        runner.catchUp(PATIENCE);
        return runner.status();
    }

    /** When: replays the projection from -1 and projects everything again. */
    public ProjectionStatus whenReplayed() throws InterruptedException {
        runner.replay();
        return whenProjected();
    }

    /**
     * Then: the rows {@code sql} selects, each a map of column label to value, in the query's order.
     *
     * @param bindings values for the query's {@code ?} placeholders
     */
    public List<Map<String, Object>> rows(String sql, Object... bindings) {
        return DSL.using(dataSource, SQLDialect.POSTGRES).fetch(sql, bindings).intoMaps();
    }
}
