/**
 * Lockstep's Flyway migrations for PostgreSQL: {@link io.lockstep.migrations.LockstepMigrations#migrate}
 * creates the checkpoint and dead-letter tables in a schema of their own.
 */
package io.lockstep.migrations;
