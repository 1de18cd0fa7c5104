package com.example.quickstart;

import static com.example.quickstart.jooq.Tables.CUSTOMER_TOTALS;

import com.example.quickstart.OrderEvent.OrderCancelled;
import com.example.quickstart.OrderEvent.OrderPlaced;
import io.lockstep.migrations.LockstepMigrations;
import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.eventlog.AppendResult;
import io.lockstep.postgres.eventlog.ExpectedVersion;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.projection.ProjectionRunner;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * Runs the quick start: migrates, appends three order events, waits until the projection has processed them
 * (read-your-writes), prints the customer's totals and stops. Uses the PostgreSQL at {@code QUICKSTART_JDBC_URL}
 * when set, else an embedded one.
 */
public final class QuickstartApp {

    private QuickstartApp() {
    }

    public static void main(String[] args) throws Exception {
        try (LocalDatabase database = LocalDatabase.open(System.getenv("QUICKSTART_JDBC_URL"))) {
            run(database.dataSource());
        }
    }

    static void run(DataSource dataSource) throws InterruptedException {
        // README example: start
        LockstepMigrations.migrate(dataSource);                  // Lockstep's tables, in schema "lockstep"
        Flyway.configure().dataSource(dataSource).load().migrate(); // yours, from db/migration
        try (PostgresEventLog log = PostgresEventLog.builder(dataSource, OrderEvent.types()).build();
             ProjectionRunner runner = ProjectionRunner.builder(OrderTotals.projection(),
                     PostgresProjectionStore.builder(dataSource).build(), log).build()) {
            log.start();                                         // sequences appends into positions
            runner.start();                                      // projects on a virtual thread until closed

            String first = "order-" + UUID.randomUUID();
            String second = "order-" + UUID.randomUUID();
            log.append(first, ExpectedVersion.noStream(), List.of(new OrderPlaced(first, "ada", 4_200)));
            log.append(second, ExpectedVersion.noStream(), List.of(new OrderPlaced(second, "ada", 1_000)));
            AppendResult cancelled = log.append(first, ExpectedVersion.exactly(0), List.of(new OrderCancelled(first)));

            long position = log.awaitPosition(cancelled, Duration.ofSeconds(5)).orElseThrow();
            runner.awaitCheckpoint(position, Duration.ofSeconds(5)).join(); // read your writes
            var ada = DSL.using(dataSource, SQLDialect.POSTGRES).selectFrom(CUSTOMER_TOTALS)
                    .where(CUSTOMER_TOTALS.CUSTOMER.eq("ada")).fetchSingle();
            System.out.printf("ada: %d open order(s) worth %d cents, projected up to position %d%n",
                    ada.getOpenOrders(), ada.getTotalCents(), position);
        }
        // README example: end
    }
}
