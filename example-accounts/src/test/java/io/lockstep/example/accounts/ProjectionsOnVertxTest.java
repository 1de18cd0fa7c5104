package io.lockstep.example.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.example.accounts.domain.AccountEvent.AccountCreated;
import io.lockstep.example.accounts.support.Http;
import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.postgres.eventlog.EventTypes;
import io.lockstep.postgres.eventlog.ExpectedVersion;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.Projection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Runs the README's Vert.x example: deploy, project, and answer management and health over HTTP. */
class ProjectionsOnVertxTest {

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(6);

    private static <T> T join(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void deploysProjectsAndAnswersOverHttp() throws Exception {
        // given
        Vertx vertx = Vertx.vertx();
        EventTypes types = EventTypes.builder()
                .register("AccountCreated", AccountCreated.class)
                .build();
        AtomicInteger created = new AtomicInteger();
        Projection<PostgresTransaction> counting = Projection.<PostgresTransaction>builder("created-count")
                .on(AccountCreated.class, (e, env, tx) -> created.incrementAndGet())
                .build();
        try (PostgresEventLog log =
                PostgresEventLog.builder(db.dataSource(), types).build()) {
            log.start();
            HttpServer server = join(
                    ProjectionsOnVertx.deploy(vertx, db.dataSource(), log, counting, new SimpleMeterRegistry(), 0));

            // when
            log.append("acc-1", ExpectedVersion.noStream(), List.of(new AccountCreated("acc-1", "ada", 100)));

            // then
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> created.get() == 1);
            // The JDK's client: Vert.x's can lose a body that arrives before body() is asked for (vert.x#5904).
            Http http = new Http(server.actualPort());
            JsonObject status = new JsonObject(http.get("/projections").body());
            assertThat(status.getJsonArray("projections").getJsonObject(0).getString("name"))
                    .isEqualTo("created-count");
            int health = http.get("/health").status();
            assertThat(health).isEqualTo(200);
        } finally {
            join(vertx.close());
        }
    }
}
