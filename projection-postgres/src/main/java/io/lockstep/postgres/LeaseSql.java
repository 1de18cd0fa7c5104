package io.lockstep.postgres;

/**
 * The SQL of the node and lease tables in one schema (validated and quoted); every value is a bound
 * parameter. Times are the database's {@code clock_timestamp()}, so the nodes' clocks never matter; durations
 * are bound in milliseconds.
 */
record LeaseSql(
        String heartbeat,
        String liveNodes,
        String leave,
        String declare,
        String renew,
        String claim,
        String release,
        String releaseAll,
        String hold,
        String stillHeld,
        String owners,
        String requestResume) {

    static LeaseSql forSchema(String schema) {
        String nodes = "\"" + schema + "\".nodes";
        String leases = "\"" + schema + "\".leases";
        String until = "clock_timestamp() + ? * interval '1 millisecond'";
        return new LeaseSql(
                "INSERT INTO " + nodes + " AS n (node_id, expires_at, projections) VALUES (?, " + until + ", ?)"
                        + " ON CONFLICT (node_id) DO UPDATE SET renewed_at = clock_timestamp(),"
                        + " expires_at = EXCLUDED.expires_at, projections = EXCLUDED.projections",
                "SELECT node_id, projections FROM " + nodes + " WHERE expires_at > clock_timestamp() ORDER BY node_id",
                "DELETE FROM " + nodes + " WHERE node_id = ?",
                "INSERT INTO " + leases + " (tenant_id, checkpoint, projection, partition_index, partition_count)"
                        + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, checkpoint) DO NOTHING",
                // A lease that expired is not renewed: it is lost, even when nobody has taken it yet.
                "UPDATE " + leases + " SET expires_at = " + until
                        + " WHERE owner = ? AND expires_at > clock_timestamp()"
                        + " RETURNING tenant_id, checkpoint, epoch, resume_requests",
                // SKIP LOCKED passes over a lease whose holder has a batch in flight (FOR SHARE): the takeover
                // waits for that batch to commit or roll back.
                "UPDATE " + leases + " l SET owner = ?, epoch = l.epoch + 1, expires_at = " + until
                        + " WHERE (l.tenant_id, l.checkpoint) IN (SELECT tenant_id, checkpoint FROM " + leases
                        + "  WHERE tenant_id = ? AND projection = ? AND partition_count = ?"
                        + "  AND (owner IS NULL OR expires_at <= clock_timestamp())"
                        + "  ORDER BY partition_index LIMIT ? FOR UPDATE SKIP LOCKED)"
                        + " RETURNING l.tenant_id, l.checkpoint, l.epoch, l.resume_requests",
                "UPDATE " + leases + " SET owner = NULL, expires_at = '-infinity'"
                        + " WHERE tenant_id = ? AND checkpoint = ? AND owner = ? AND epoch = ?",
                "UPDATE " + leases + " SET owner = NULL, expires_at = '-infinity' WHERE owner = ?",
                // First in a batch's transaction: the lease must be this node's, with this epoch, unexpired. FOR
                // SHARE keeps it so until the transaction ends; a server-side idle limit ends the transaction of a
                // node frozen mid-batch (SIGSTOP), so its lease can be taken over.
                "SELECT set_config('idle_in_transaction_session_timeout', ?, true) FROM " + leases
                        + " WHERE tenant_id = ? AND checkpoint = ? AND owner = ? AND epoch = ?"
                        + " AND expires_at > clock_timestamp() FOR SHARE",
                "SELECT 1 FROM " + leases + " WHERE tenant_id = ? AND checkpoint = ? AND owner = ? AND epoch = ?"
                        + " AND expires_at > clock_timestamp()",
                "SELECT checkpoint, partition_index, owner, expires_at > clock_timestamp() FROM " + leases
                        + " WHERE tenant_id = ? AND projection = ? AND partition_count = ? ORDER BY partition_index",
                "UPDATE " + leases
                        + " SET resume_requests = resume_requests + 1 WHERE tenant_id = ? AND projection = ?"
                        + " RETURNING tenant_id, checkpoint, resume_requests");
    }
}
