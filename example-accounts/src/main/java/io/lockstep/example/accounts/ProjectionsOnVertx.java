package io.lockstep.example.accounts;

import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.vertx.ProjectionHealth;
import io.lockstep.vertx.ProjectionManagement;
import io.lockstep.vertx.ProjectionMetrics;
import io.lockstep.vertx.ProjectionVerticle;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.List;
import javax.sql.DataSource;

/**
 * Deploys a projection in a Vert.x application with management over HTTP and the event bus, metrics and
 * health. The block between the "README example" markers is quoted verbatim in README.md.
 */
final class ProjectionsOnVertx {

    private ProjectionsOnVertx() {}

    static Future<HttpServer> deploy(
            Vertx vertx,
            DataSource dataSource,
            PostgresEventLog log,
            Projection<PostgresTransaction> balances,
            MeterRegistry registry,
            int port) {
        // spotless:off
        // README example: start
        PostgresProjectionStore store = PostgresProjectionStore.builder(dataSource).build();
        ProjectionManagement management = ProjectionManagement.create(vertx);  // event bus: "lockstep.projections"
        ProjectionMetrics metrics = new ProjectionMetrics(registry);
        ProjectionHealth health = ProjectionHealth.withDefaults();

        return vertx.deployVerticle(() -> {
            ProjectionRunner runner = ProjectionRunner.builder(balances, store, log).listener(metrics).build();
            return new ProjectionVerticle(management, List.of(runner));
        }, new DeploymentOptions()).compose(id -> vertx.createHttpServer().requestHandler(request -> {
            if (request.path().equals("/health")) {
                management.healthHandler(health).handle(request);       // 200 UP/DEGRADED, 503 DOWN
            } else {
                management.httpHandler("/projections").handle(request); // GET, POST .../pause|resume|replay|reset
            }
        }).listen(port));
        // README example: end
        // spotless:on
    }
}
