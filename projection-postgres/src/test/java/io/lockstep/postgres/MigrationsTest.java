package io.lockstep.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockstep.migrations.LockstepMigrations;
import io.lockstep.postgres.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MigrationsTest {

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass(2);

    @Test
    void createsTheTablesInTheNamedSchemaWithTheirOwnHistoryTable() {
        // when
        var result = LockstepMigrations.migrate(db.dataSource(), "tenant_store");

        // then
        assertThat(result.migrationsExecuted).isEqualTo(8);
        assertThat(tableCount("tenant_store", "checkpoints")).isOne();
        assertThat(tableCount("tenant_store", "dead_letters")).isOne();
        assertThat(tableCount("tenant_store", "events")).isOne();
        assertThat(tableCount("tenant_store", "event_log")).isOne();
        assertThat(tableCount("tenant_store", "sequencer_state")).isOne();
        assertThat(tableCount("tenant_store", "leases")).isOne();
        assertThat(tableCount("tenant_store", "nodes")).isOne();
        assertThat(db.queryLong("SELECT count(*) FROM pg_constraint WHERE contype = 'f'"
                        + " AND conrelid = 'tenant_store.event_log'::regclass"))
                .as("event_log's foreign keys (V5)")
                .isZero();
        assertThat(tableCount("tenant_store", "lockstep_schema_history")).isOne();
        assertThat(tableCount("public", "flyway_schema_history"))
                .as("the application's own history table")
                .isZero();
    }

    @Test
    void migratingAgainChangesNothing() {
        // given
        LockstepMigrations.migrate(db.dataSource(), "twice");

        // when
        var again = LockstepMigrations.migrate(db.dataSource(), "twice");

        // then
        assertThat(again.migrationsExecuted).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM twice.lockstep_schema_history WHERE success"))
                .isEqualTo(9);
    }

    @Test
    void theDefaultSchemaIsLockstep() {
        // TestDatabase migrated the default schema already
        assertThat(tableCount(LockstepMigrations.DEFAULT_SCHEMA, "checkpoints")).isOne();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "Lockstep",
                "1st",
                "x; DROP TABLE y",
                "a-b",
                "\"quoted\"",
                "a_name_that_is_far_too_long_for_postgres_because_it_has_64_chars_"
            })
    void refusesASchemaThatIsNotAPlainIdentifierAndTouchesNothing(String schema) {
        long schemasBefore = db.queryLong("SELECT count(*) FROM pg_namespace");

        assertThatThrownBy(() -> LockstepMigrations.migrate(db.dataSource(), schema))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + schema + "'")
                .hasMessageContaining("lower-case SQL identifier");
        assertThatThrownBy(
                        () -> PostgresProjectionStore.builder(db.dataSource()).schema(schema))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(db.queryLong("SELECT count(*) FROM pg_namespace")).isEqualTo(schemasBefore);
    }

    private static long tableCount(String schema, String table) {
        return db.queryLong("SELECT count(*) FROM information_schema.tables WHERE table_schema = '" + schema
                + "' AND table_name = '" + table + "'");
    }
}
