package io.lockstep.example.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.example.accounts.app.AccountsApp;
import io.lockstep.example.accounts.app.Database;
import io.lockstep.example.accounts.app.NodeSettings;
import io.lockstep.example.accounts.app.Pools;
import io.lockstep.example.accounts.support.Http;
import io.lockstep.postgres.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Monitoring a partitioned projection: {@code /metrics} carries every partition's series, tagged with the
 * partition's checkpoint name, and {@code /health} degrades, naming the partition, when no live node holds one.
 * The node renews its leases only every minute here (a 5 min lease), so a lease the test expires stays ownerless
 * while the test looks.
 */
class PartitionMonitoringTest {

    @Test
    void metricsArePerPartitionAndHealthDegradesForAPartitionNoNodeHolds() throws Exception {
        try (TestDatabase db = TestDatabase.create(2);
                Database database = Database.open(Optional.of(db.jdbcUrl()), Path.of("unused"));
                AccountsApp app = AccountsApp.start(
                        Pools.open(database, Pools.Sizes.SERVE),
                        AccountsApp.POSITION_WAIT,
                        null,
                        new NodeSettings("watched", 4, Duration.ofMinutes(5)))) {
            Http http = new Http(app.listen("127.0.0.1", 0));
            long position = http.post("/accounts", "{\"owner\": \"ada\", \"initialDeposit\": 5}")
                    .longAt("position");
            await().atMost(Duration.ofSeconds(30)).until(() -> app.projectedThrough() >= position);

            // then: one series per partition
            String metrics = http.get("/metrics").body();
            for (int i = 0; i < 4; i++) {
                assertThat(metrics)
                        .containsPattern(
                                "lockstep_projection_checkpoint\\{[^}]*projection=\"accounts\\[" + i + "/4]\"");
            }
            Http.Response healthy = http.get("/health");
            assertThat(healthy.status()).as(healthy.body()).isEqualTo(200);
            assertThat(healthy.body()).contains("UP").doesNotContain("no live owner");

            // when: partition 1's lease expires with no node holding it
            db.execute("UPDATE lockstep.leases SET expires_at = clock_timestamp() - interval '1 second'"
                    + " WHERE checkpoint = 'accounts[1/4]'");

            // then
            Http.Response degraded = http.get("/health");
            assertThat(degraded.status()).as(degraded.body()).isEqualTo(200);
            assertThat(degraded.body())
                    .contains("DEGRADED", "partition 1/4 of projection 'accounts' has no live owner");
        }
    }
}
