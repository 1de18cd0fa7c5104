package io.lockstep.postgres.eventlog;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.RetryPolicy;
import io.lockstep.projection.StepResult;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An event the reader cannot decode stops the projection (an event's fault, under {@code stop()}), and the two
 * fixes its error names work: registering the type and restarting, or fixing the stored payload and resuming.
 */
class UndecodableEventTest {

    record Deposited(String account, long amount) {}

    record Closed(String account) {}

    /** What a broken writer stored as a Deposited: an amount that is not a number. */
    record MistypedDeposit(String account, String amount) {}

    static final EventTypes DEPOSITS =
            EventTypes.builder().register("Deposited", Deposited.class).build();

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(4);

    @BeforeAll
    static void createTables() {
        db.execute("CREATE TABLE balance (account text PRIMARY KEY, amount bigint NOT NULL)");
    }

    @BeforeEach
    void emptyTheLog() {
        db.emptyEventLog("lockstep.checkpoints", "lockstep.dead_letters", "balance");
    }

    private ProjectionRunner runner(EventTypes types) {
        Projection<PostgresTransaction> projection = Projection.<PostgresTransaction>builder("balances")
                .on(
                        Deposited.class,
                        (e, env, tx) -> tx.dsl()
                                .execute(
                                        "INSERT INTO balance VALUES (?, ?)"
                                                + " ON CONFLICT (account) DO UPDATE SET amount = balance.amount + EXCLUDED.amount",
                                        e.account(),
                                        e.amount()))
                .on(
                        Closed.class,
                        (e, env, tx) -> tx.dsl().execute("DELETE FROM balance WHERE account = ?", e.account()))
                .build();
        return ProjectionRunner.builder(
                        projection,
                        PostgresProjectionStore.builder(db.dataSource()).build(),
                        PostgresEventLog.builder(db.dataSource(), types).build())
                .retryPolicy(new RetryPolicy(1, Duration.ZERO, Duration.ZERO))
                .build();
    }

    private static StepResult stepUntilDone(ProjectionRunner runner) {
        for (int i = 0; i < 100; i++) {
            StepResult result = runner.step();
            if (result instanceof StepResult.Idle || result instanceof StepResult.Failed) {
                return result;
            }
        }
        throw new AssertionError("no final step result after 100 steps");
    }

    @Test
    void anUnregisteredTypeFailsNamingItsFixAndARestartWithTheTypeRegisteredGoesOn() throws Exception {
        // given
        PostgresEventLog writer = PostgresEventLog.builder(
                        db.dataSource(),
                        EventTypes.builder()
                                .register("Deposited", Deposited.class)
                                .register("Closed", Closed.class)
                                .build())
                .build();
        writer.append(
                "a", ExpectedVersion.any(), List.of(new Deposited("a", 5), new Closed("a"), new Deposited("a", 7)));
        writer.sequence();
        ProjectionRunner before = runner(DEPOSITS);
        StepResult failed = stepUntilDone(before);
        assertThat(failed)
                .isInstanceOfSatisfying(
                        StepResult.Failed.class,
                        f -> assertThat(f.error().message())
                                .contains("unknown event type 'Closed'")
                                .contains("register the type (a restart picks it up)"));

        // when: the fix is deployed: the process starts again with the type registered
        ProjectionRunner restarted = runner(EventTypes.builder()
                .register("Deposited", Deposited.class)
                .register("Closed", Closed.class)
                .build());

        // then
        assertThat(restarted.catchUp()).isEqualTo(3L);
        assertThat(db.queryLong("SELECT amount FROM balance WHERE account = 'a'"))
                .isEqualTo(7L);
    }

    @Test
    void aMalformedPayloadFailsNamingItsFixAndAResumeAfterFixingItGoesOn() throws Exception {
        // given
        PostgresEventLog.builder(
                        db.dataSource(),
                        EventTypes.builder()
                                .register("Deposited", MistypedDeposit.class)
                                .build())
                .build()
                .append("a", ExpectedVersion.any(), List.of(new MistypedDeposit("a", "lots")));
        PostgresEventLog.builder(db.dataSource(), DEPOSITS).build().sequence();
        ProjectionRunner runner = runner(DEPOSITS);
        StepResult failed = stepUntilDone(runner);
        assertThat(failed)
                .isInstanceOfSatisfying(
                        StepResult.Failed.class,
                        f -> assertThat(f.error().message())
                                .contains("malformed Deposited payload")
                                .contains("fix the stored payload")
                                .contains("then resume"));

        // when
        db.execute("UPDATE lockstep.events SET payload = jsonb_set(payload, '{amount}', '12')");
        runner.resume();

        // then
        assertThat(stepUntilDone(runner)).isEqualTo(new StepResult.Idle(1));
        assertThat(runner.status().state()).isEqualTo(ProjectionState.LIVE);
        assertThat(db.queryLong("SELECT amount FROM balance WHERE account = 'a'"))
                .isEqualTo(12L);
    }
}
