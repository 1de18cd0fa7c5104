package io.lockstep.postgres;

/**
 * The SQL of the checkpoint and dead-letter tables in one schema. Built once from a schema name that
 * {@code LockstepMigrations.requireSchema} validated and that is quoted here; every value is a bound
 * parameter.
 */
record CheckpointSql(
        String claimFirst,
        String claim,
        String deadLetter,
        String readState,
        String resetInTransaction,
        String pause,
        String switchVersion,
        String adoptVersion,
        String retire) {

    static CheckpointSql forSchema(String schema) {
        String checkpoints = "\"" + schema + "\".checkpoints";
        String deadLetters = "\"" + schema + "\".dead_letters";
        return new CheckpointSql(
                // From -1 the row may not exist yet; a concurrent first insert makes the loser see position != -1.
                "INSERT INTO " + checkpoints + " AS c (tenant_id, projection, position) VALUES (?, ?, ?)"
                        + " ON CONFLICT (tenant_id, projection) DO UPDATE SET position = EXCLUDED.position,"
                        + " updated_at = now() WHERE c.position = -1 AND NOT c.paused",
                "UPDATE " + checkpoints + " SET position = ?, updated_at = now()"
                        + " WHERE tenant_id = ? AND projection = ? AND position = ? AND NOT paused",
                "INSERT INTO " + deadLetters + " (tenant_id, projection, position, stream_id, stream_version,"
                        + " event_type, event_recorded_at, metadata, error_class, error_message, stack_trace)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, jsonb_object(?::text[], ?::text[]), ?, ?, ?)"
                        // A replay skips the same event again: keep one row, with the latest error.
                        + " ON CONFLICT (tenant_id, projection, position) DO UPDATE SET error_class ="
                        + " EXCLUDED.error_class, error_message = EXCLUDED.error_message, stack_trace ="
                        + " EXCLUDED.stack_trace, skipped_at = now()",
                "SELECT position, paused, version FROM " + checkpoints + " WHERE tenant_id = ? AND projection = ?",
                "INSERT INTO " + checkpoints + " AS c (tenant_id, projection, position) VALUES (?, ?, ?)"
                        + " ON CONFLICT (tenant_id, projection) DO UPDATE SET position = EXCLUDED.position,"
                        + " updated_at = now()",
                "INSERT INTO " + checkpoints + " AS c (tenant_id, projection, position, paused) VALUES (?, ?, -1, ?)"
                        + " ON CONFLICT (tenant_id, projection) DO UPDATE SET paused = EXCLUDED.paused,"
                        + " updated_at = now()",
                "UPDATE " + checkpoints + " SET position = ?, version = ?, updated_at = now()"
                        + " WHERE tenant_id = ? AND projection = ? AND version = ?",
                "INSERT INTO " + checkpoints + " AS c (tenant_id, projection, position, version) VALUES (?, ?, -1, ?)"
                        + " ON CONFLICT (tenant_id, projection) DO UPDATE SET version = EXCLUDED.version,"
                        + " updated_at = now() WHERE c.version = 0",
                "UPDATE " + checkpoints + " SET paused = true, updated_at = now()"
                        + " WHERE tenant_id = ? AND projection = ? RETURNING position");
    }
}
