package io.lockstep.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.CheckpointStore;
import io.lockstep.projection.CheckpointStoreContract;
import io.lockstep.projection.TransientStoreException;
import java.net.ServerSocket;
import java.util.UUID;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The seed contract on PostgreSQL, plus what only a database can get wrong. */
class PostgresCheckpointStoreTest extends CheckpointStoreContract {

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(4);

    @Override
    protected CheckpointStore newStore() {
        // a fresh schema per test keeps the contract tests independent
        String schema = "cp_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        io.lockstep.migrations.LockstepMigrations.migrate(db.dataSource(), schema);
        return PostgresProjectionStore.builder(db.dataSource())
                .schema(schema)
                .build()
                .checkpoints();
    }

    @Nested
    class WhenTheDatabaseIsUnreachable {

        @Test
        void everyCallFailsWithATransientStoreExceptionNamingTheStoreAndTheCause() throws Exception {
            // given: a port nothing listens on
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + port + "/nowhere?user=postgres&connectTimeout=1");
            config.setInitializationFailTimeout(-1);
            config.setConnectionTimeout(500);
            try (HikariDataSource unreachable = new HikariDataSource(config)) {
                CheckpointStore checkpoints =
                        PostgresProjectionStore.builder(unreachable).build().checkpoints();

                // when / then
                assertThatThrownBy(() -> checkpoints.getCheckpoint("balances"))
                        .isInstanceOf(TransientStoreException.class)
                        .hasMessageContaining("PostgreSQL store 'lockstep'")
                        .hasMessageContaining("opening a connection")
                        .hasCauseInstanceOf(java.sql.SQLException.class);
                assertThatThrownBy(() -> checkpoints.storeCheckpoint("balances", 3))
                        .isInstanceOf(TransientStoreException.class);
            }
        }
    }

    @Nested
    class OnAPoolWithAutoCommitOff {

        @Test
        void storesAndResetsDurably() {
            // given: a pool configured the way jOOQ and Spring users often do
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(db.jdbcUrl());
            config.setAutoCommit(false);
            config.setMaximumPoolSize(2);
            try (HikariDataSource manual = new HikariDataSource(config)) {
                CheckpointStore writer =
                        PostgresProjectionStore.builder(manual).build().checkpoints();
                CheckpointStore reader =
                        PostgresProjectionStore.builder(db.dataSource()).build().checkpoints();

                // when
                writer.storeCheckpoint("manual-commit", 41);
                long stored = reader.getCheckpoint("manual-commit");
                writer.resetCheckpoint("manual-commit", 7);

                // then: another pool sees both writes
                assertThat(stored).isEqualTo(41);
                assertThat(reader.getCheckpoint("manual-commit")).isEqualTo(7);
            }
        }
    }

    @Nested
    class WhenTheTablesAreMissing {

        @Test
        void callsFailWithAnErrorThatSaysToRunTheMigrations() {
            CheckpointStore checkpoints = PostgresProjectionStore.builder(db.dataSource())
                    .schema("not_migrated")
                    .build()
                    .checkpoints();

            // a missing table is no event's fault: a runner waits (STALLED) until the migrations ran
            assertThatThrownBy(() -> checkpoints.getCheckpoint("balances"))
                    .isInstanceOf(TransientStoreException.class)
                    .hasMessageContaining("LockstepMigrations.migrate");
        }
    }

    @Nested
    class Rows {

        @Test
        void storesOneRowPerTenantAndProjectionWithTheNameBoundAsAParameter() {
            // given
            CheckpointStore checkpoints = newStore();
            String hostile = "x'); DROP TABLE checkpoints; --";

            // when
            checkpoints.storeCheckpoint(hostile, 5);
            checkpoints.forTenant(hostile).storeCheckpoint(hostile, 6);

            // then
            assertThat(checkpoints.getCheckpoint(hostile)).isEqualTo(5);
            assertThat(checkpoints.forTenant(hostile).getCheckpoint(hostile)).isEqualTo(6);
        }
    }
}
