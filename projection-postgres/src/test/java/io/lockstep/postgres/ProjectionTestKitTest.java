package io.lockstep.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.postgres.eventlog.EventTypes;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.postgres.testkit.ProjectionTestKit;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.TransientStoreException;
import java.util.Map;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ProjectionTestKitTest {

    record Opened(String id, long cents) {}

    record Deposited(String id, long cents) {}

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(4);

    @BeforeAll
    static void createTables() {
        db.execute("CREATE TABLE balances (id text PRIMARY KEY, cents bigint NOT NULL)");
    }

    @Test
    void givenEventsWhenProjectedThenTheRowsShowThem() throws Exception {
        // given
        EventTypes types = EventTypes.builder()
                .register("Opened", Opened.class)
                .register("Deposited", Deposited.class)
                .build();
        Projection<PostgresTransaction> balances = Projection.<PostgresTransaction>builder("kit-balances")
                .on(
                        Opened.class,
                        (e, env, tx) -> tx.dsl().execute("INSERT INTO balances VALUES (?, ?)", e.id(), e.cents()))
                .on(
                        Deposited.class,
                        (e, env, tx) -> tx.dsl()
                                .execute("UPDATE balances SET cents = cents + ? WHERE id = ?", e.cents(), e.id()))
                .onReset(tx -> tx.dsl().deleteFrom(DSL.table("balances")).execute())
                .build();
        ProjectionTestKit kit = ProjectionTestKit.of(db.dataSource(), types, balances);
        kit.given("a", new Opened("a", 100), new Deposited("a", 50));
        kit.given("b", new Opened("b", 7));

        // when
        var status = kit.whenProjected();

        // then
        assertThat(status.state()).isEqualTo(ProjectionState.LIVE);
        assertThat(status.lagEvents()).isZero();
        assertThat(kit.rows("SELECT id, cents FROM balances ORDER BY id"))
                .containsExactly(Map.of("id", "a", "cents", 150L), Map.of("id", "b", "cents", 7L));
        assertThat(kit.whenReplayed().checkpoint()).isEqualTo(3);
        assertThat(kit.rows("SELECT cents FROM balances WHERE id = ?", "a")).containsExactly(Map.of("cents", 150L));
    }

    @Test
    void aStoreThatKeepsFailingFailsWhenProjectedWithItsErrorInsteadOfHanging() {
        // given: a projection writing to a table nobody created, which is no event's fault
        EventTypes types = EventTypes.builder().register("Opened", Opened.class).build();
        Projection<PostgresTransaction> missing = Projection.<PostgresTransaction>builder("kit-missing")
                .on(Opened.class, (e, env, tx) -> tx.dsl().execute("INSERT INTO no_such_table VALUES (?)", e.id()))
                .build();
        ProjectionTestKit kit = ProjectionTestKit.of(db.dataSource(), types, missing);
        kit.given("c", new Opened("c", 1));

        // when / then
        assertThatThrownBy(kit::whenProjected)
                .isInstanceOf(TransientStoreException.class)
                .hasMessageContaining("STALLED")
                .hasMessageContaining("42P01")
                .hasMessageContaining("no_such_table");
    }
}
