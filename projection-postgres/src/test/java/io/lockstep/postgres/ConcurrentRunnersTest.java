package io.lockstep.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import io.lockstep.postgres.testing.AccountsProjection;
import io.lockstep.postgres.testing.AccountsWorkload;
import io.lockstep.postgres.testing.AccountsWorkload.AccountOpened;
import io.lockstep.postgres.testing.AccountsWorkload.FundsDeposited;
import io.lockstep.postgres.testing.AccountsWorkload.FundsWithdrawn;
import io.lockstep.postgres.testing.TableEventSource;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.Envelope;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.ProjectionState;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The seed's "checkpoint races" pitfall: several runners of one projection started together over the same
 * events. Every event must be applied exactly once: the checkpoint claim at the start of each batch makes
 * every loser roll back before its handlers write anything.
 */
class ConcurrentRunnersTest {

    private static final int EVENTS = 20_000;
    private static final int RUNNERS = 3;

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(12);

    @BeforeAll
    static void seed() {
        AccountsWorkload.seed(db, 500, EVENTS);
        db.execute("CREATE TABLE applied (position bigint NOT NULL)");
    }

    @Test
    void runnersOfTheSameProjectionStartedTogetherApplyEveryEventExactlyOnce() {
        // given
        PostgresProjectionStore store =
                PostgresProjectionStore.builder(db.dataSource()).build();
        TableEventSource source = new TableEventSource(db.dataSource(), AccountsWorkload.TYPES);
        List<ProjectionRunner> runners = IntStream.range(0, RUNNERS)
                .mapToObj(i -> ProjectionRunner.builder(recordingProjection(), store, source)
                        .batchSize(200)
                        .idleWait(Duration.ofMillis(20))
                        .build())
                .toList();

        // when
        runners.forEach(ProjectionRunner::start);
        try {
            await().atMost(Duration.ofMinutes(2))
                    .until(() -> runners.stream().allMatch(r -> r.status().checkpoint() == EVENTS - 1)
                            || runners.stream().anyMatch(r -> r.status().state() == ProjectionState.FAILED));
        } finally {
            runners.forEach(ProjectionRunner::stop);
        }

        // then
        assertThat(runners).extracting(r -> r.status().state()).doesNotContain(ProjectionState.FAILED);
        assertThat(db.queryLong("SELECT count(*) FROM applied")).isEqualTo(EVENTS);
        assertThat(db.queryLong("SELECT count(DISTINCT position) FROM applied")).isEqualTo(EVENTS);
        assertThat(runners.stream().mapToLong(r -> r.status().eventsProcessed()).sum())
                .as("events committed, summed over the runners")
                .isEqualTo(EVENTS);
        assertThat(AccountsWorkload.mismatches(db.dataSource())).isEmpty();
        assertThat(store.checkpoints().getCheckpoint("racing-balances")).isEqualTo(EVENTS - 1);
    }

    private static Projection<PostgresTransaction> recordingProjection() {
        return Projection.<PostgresTransaction>builder("racing-balances")
                .on(AccountOpened.class, (e, env, tx) -> {
                    record(env, tx);
                    AccountsProjection.open(e, tx);
                })
                .on(FundsDeposited.class, (e, env, tx) -> {
                    record(env, tx);
                    AccountsProjection.credit(tx, e.accountId(), e.amount());
                })
                .on(FundsWithdrawn.class, (e, env, tx) -> {
                    record(env, tx);
                    AccountsProjection.credit(tx, e.accountId(), -e.amount());
                })
                .build();
    }

    private static void record(Envelope envelope, PostgresTransaction tx) {
        tx.dsl()
                .insertInto(table(name("applied")), field(name("position")))
                .values(envelope.position())
                .execute();
    }
}
