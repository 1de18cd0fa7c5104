package io.lockstep.migrations;

import java.util.Objects;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Applies Lockstep's own tables (checkpoints, dead letters) to a PostgreSQL database with Flyway.
 *
 * <p>The tables go to their own schema (default {@value #DEFAULT_SCHEMA}), which is created when missing,
 * with their own history table ({@value #HISTORY_TABLE}) in that schema: they never collide with the
 * application's own Flyway migrations. Migrating is idempotent; concurrent calls from several processes
 * are serialised by Flyway's lock.
 *
 * <p>An application that prefers its own Flyway instance adds {@link #LOCATION} to its locations instead;
 * the tables then land in that instance's default schema, which is what it must name in
 * {@code PostgresProjectionStore.builder(...).schema(...)}.
 */
public final class LockstepMigrations {

    /** The schema used when none is named. */
    public static final String DEFAULT_SCHEMA = "lockstep";
    /** Flyway's history table for Lockstep's migrations, inside the Lockstep schema. */
    public static final String HISTORY_TABLE = "lockstep_schema_history";
    /** The classpath location of the migration scripts. */
    public static final String LOCATION = "classpath:io/lockstep/migrations/postgresql";

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private LockstepMigrations() {}

    /** Migrates the {@value #DEFAULT_SCHEMA} schema of {@code dataSource}; see {@link #migrate(DataSource, String)}. */
    public static MigrateResult migrate(DataSource dataSource) {
        return migrate(dataSource, DEFAULT_SCHEMA);
    }

    /**
     * Creates or upgrades Lockstep's tables in {@code schema}.
     *
     * @param schema a lower-case SQL identifier: letters, digits and underscores, not starting with a digit,
     *               at most 63 characters
     * @return Flyway's report of what it applied
     * @throws IllegalArgumentException when {@code schema} is not such an identifier; nothing is touched
     */
    public static MigrateResult migrate(DataSource dataSource, String schema) {
        Objects.requireNonNull(dataSource, "dataSource");
        return configure(dataSource, schema).migrate();
    }

    /**
     * Returns the Flyway instance {@link #migrate} uses, for callers that want {@code info()} or
     * {@code validate()} too.
     */
    public static Flyway configure(DataSource dataSource, String schema) {
        Objects.requireNonNull(dataSource, "dataSource");
        requireSchema(schema);
        return Flyway.configure(LockstepMigrations.class.getClassLoader())
                .dataSource(dataSource)
                .schemas(schema)
                .defaultSchema(schema)
                .createSchemas(true)
                .table(HISTORY_TABLE)
                .locations(LOCATION)
                .validateMigrationNaming(true)
                .failOnMissingLocations(true)
                .load();
    }

    /**
     * Checks a schema name.
     *
     * @throws IllegalArgumentException naming the value and the rule
     */
    public static String requireSchema(String schema) {
        Objects.requireNonNull(schema, "schema");
        if (!IDENTIFIER.matcher(schema).matches()) {
            throw new IllegalArgumentException("schema '" + schema + "' is not a valid name; use a lower-case SQL"
                    + " identifier (a-z, 0-9, _; not starting with a digit; at most 63 characters), e.g. '"
                    + DEFAULT_SCHEMA + "'");
        }
        return schema;
    }
}
