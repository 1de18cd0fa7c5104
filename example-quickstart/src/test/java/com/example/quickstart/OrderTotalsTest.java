package com.example.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.quickstart.OrderEvent.OrderCancelled;
import com.example.quickstart.OrderEvent.OrderPlaced;
import io.lockstep.migrations.LockstepMigrations;
import io.lockstep.postgres.testkit.ProjectionTestKit;
import io.lockstep.projection.ProjectionState;
import io.lockstep.projection.ProjectionStatus;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The order-totals projection against a real PostgreSQL, through Lockstep's test kit. */
class OrderTotalsTest {

    private static TestPostgres database;
    private ProjectionTestKit kit;

    @BeforeAll
    static void migrate() throws Exception {
        database = TestPostgres.start();
        LockstepMigrations.migrate(database.dataSource());
        Flyway.configure().dataSource(database.dataSource()).load().migrate();
    }

    @AfterAll
    static void dropDatabase() throws Exception {
        database.close();
    }

    @BeforeEach
    void newKit() {
        kit = ProjectionTestKit.of(database.dataSource(), OrderEvent.types(), OrderTotals.projection());
    }

    @Test
    void ordersAddUpPerCustomer() throws Exception {
        // given
        kit.given("order-a1", new OrderPlaced("order-a1", "ann", 4_200));
        kit.given("order-a2", new OrderPlaced("order-a2", "ann", 1_000));
        kit.given("order-g1", new OrderPlaced("order-g1", "grace", 300));
        // when
        ProjectionStatus status = kit.whenProjected();
        // then
        assertThat(status.state()).isNotEqualTo(ProjectionState.FAILED);
        assertThat(totalsOf("ann")).containsExactly(Map.of("open_orders", 2, "total_cents", 5_200L));
        assertThat(totalsOf("grace")).containsExactly(Map.of("open_orders", 1, "total_cents", 300L));
    }

    @Test
    void aCancelledOrderLeavesTheTotalOnce() throws Exception {
        // given: placed, cancelled, and cancelled again in the same batch
        kit.given("order-l1", new OrderPlaced("order-l1", "linus", 700));
        kit.given("order-l2", new OrderPlaced("order-l2", "linus", 50));
        kit.given("order-l1", new OrderCancelled("order-l1"), new OrderCancelled("order-l1"));
        // when
        kit.whenProjected();
        // then
        assertThat(totalsOf("linus")).containsExactly(Map.of("open_orders", 1, "total_cents", 50L));
    }

    @Test
    void replayFromMinusOneRebuildsTheSameRows() throws Exception {
        // given
        kit.given("order-b1", new OrderPlaced("order-b1", "barbara", 900));
        kit.given("order-b1", new OrderCancelled("order-b1"));
        kit.given("order-b2", new OrderPlaced("order-b2", "barbara", 80));
        kit.whenProjected();
        List<Map<String, Object>> before = kit.rows("SELECT * FROM customer_totals ORDER BY customer");
        // when
        kit.whenReplayed();
        // then
        assertThat(kit.rows("SELECT * FROM customer_totals ORDER BY customer")).isEqualTo(before);
        assertThat(totalsOf("barbara")).containsExactly(Map.of("open_orders", 1, "total_cents", 80L));
    }

    @Test
    void theApplicationRunsEndToEnd() throws Exception {
        // when: the same code as `mvn exec:java`, on this test's database
        QuickstartApp.run(database.dataSource());
        // then: two orders placed, the first cancelled; the run read its own writes before it stopped
        assertThat(totalsOf("ada")).containsExactly(Map.of("open_orders", 1, "total_cents", 1_000L));
    }

    private List<Map<String, Object>> totalsOf(String customer) {
        return kit.rows("SELECT open_orders, total_cents FROM customer_totals WHERE customer = ?", customer);
    }
}
