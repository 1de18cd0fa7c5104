package io.lockstep.postgres.eventlog;

/**
 * The event log's SQL in one schema, built once from a validated schema name (quoted here, and part of the
 * channel names); every value that comes from a caller is a bound parameter.
 */
record EventLogSql(
        String appended,
        String sequenced,
        String appendHead,
        String appendAfterHead,
        String versionsEpoch,
        String actualVersion,
        String tick,
        String anyFresh,
        String read,
        String head,
        String readStream,
        String backlog,
        String restoreGuard,
        String positionOf) {

    /** Appends of up to this many events list them in a VALUES list; longer ones pass them as two arrays. */
    static final int MAX_LISTED_EVENTS = 64;

    /** The savepoint an append in the caller's transaction runs in (see {@link #appendInSavepoint}). */
    static final String APPEND_SAVEPOINT = "lockstep_append";

    /** Undoes a failed {@link #appendInSavepoint} and drops its savepoint, in one round trip. */
    static final String ROLLBACK_APPEND_SAVEPOINT =
            "ROLLBACK TO SAVEPOINT " + APPEND_SAVEPOINT + "; RELEASE SAVEPOINT " + APPEND_SAVEPOINT;

    /** True when the commit will be durable once acknowledged (every synchronous_commit but off). */
    private static final String DURABLE = "current_setting('synchronous_commit') <> 'off'";

    static EventLogSql forSchema(String schema) {
        String q = "\"" + schema + "\".";
        // What remembered stream versions hold under (see StreamVersions.Epoch): the server's start, and the events
        // table's file (base/<database oid>/<file node>: another database, a schema created anew, a clone from a
        // template or a TRUNCATE all change it). Both are function calls on cached catalog data, no table read.
        String epoch = "pg_postmaster_start_time(), pg_relation_filepath('" + q + "events'::regclass)";
        // Events whose transaction is visible now and was not in the saved snapshot: two index range scans,
        // transactions that began after the saved snapshot, and those it saw in progress. enable_seqscan off
        // keeps the scans on the (tx_id, id) index: the planner cannot see the bounds, read in the statement.
        String fresh = "SELECT e.id, e.bucket FROM " + q + "events e, cur"
                + "  WHERE e.tx_id >= (SELECT pg_snapshot_xmax(s) FROM prev)"
                + "  AND pg_visible_in_snapshot(e.tx_id, cur.s)"
                + "  UNION ALL SELECT e.id, e.bucket FROM " + q + "events e, cur"
                + "  WHERE e.tx_id = ANY(ARRAY(SELECT pg_snapshot_xip(s) FROM prev))"
                + "  AND pg_visible_in_snapshot(e.tx_id, cur.s)";
        String snapshots = " WITH prev AS (SELECT snapshot AS s FROM " + q + "sequencer_state WHERE id = 1),"
                + " cur AS (SELECT pg_current_snapshot() AS s)";
        return new EventLogSql(
                schema + "_appended",
                schema + "_sequenced",
                "INSERT INTO " + q + "events (stream_id, stream_version, event_type, payload, metadata)"
                        + " SELECT ?, cur.v + t.ord, t.type, t.payload::jsonb, ?::jsonb"
                        + " FROM (SELECT coalesce(max(stream_version), -1) AS v FROM " + q + "events"
                        + " WHERE stream_id = ?) cur, ",
                "INSERT INTO " + q + "events (stream_id, stream_version, event_type, payload, metadata)"
                        + " SELECT ?, ? + t.ord, t.type, t.payload::jsonb, ?::jsonb FROM ",
                epoch,
                "SELECT coalesce(max(stream_version), -1) FROM " + q + "events WHERE stream_id = ?",
                // One tick, two statements sent together: one round trip, one implicit transaction (one Sync, in
                // auto-commit mode). The first locks the sequencer's row (a second sequencer waits here); the
                // second runs after the lock is granted, so under READ COMMITTED its snapshot sees every tick
                // committed before. Events whose transaction is visible now and was not in the previous snapshot,
                // in insertion order (which keeps each stream in version order), get the next dense positions;
                // the snapshot is saved; readers are notified (on commit) when positions were given.
                // The previous snapshot's bounds are read in the statement, so it has no parameters and its plan
                // is planned once per connection and cached; but the planner cannot see the bounds and estimates a
                // third of the events table. enable_seqscan off keeps the scans on the (tx_id, id) index, and jit
                // off keeps that estimate (past jit_above_cost from some 300,000 events) from compiling the
                // statement on every tick (15 ms each, measured).
                "SELECT set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true) FROM " + q
                        + "sequencer_state WHERE id = 1 FOR UPDATE;"
                        + snapshots + ","
                        + " base AS (SELECT coalesce(max(position), 0) AS p FROM " + q + "event_log),"
                        + " fresh AS (" + fresh + "),"
                        // Each position row carries its event's bucket, so partitions read their own events by index.
                        + " ins AS (INSERT INTO " + q + "event_log (position, event_id, bucket)"
                        + "  SELECT base.p + row_number() OVER (ORDER BY f.id), f.id, f.bucket FROM fresh f, base"
                        + "  RETURNING position),"
                        + " upd AS (UPDATE " + q
                        + "sequencer_state SET snapshot = (SELECT s FROM cur), ticked_at = now()"
                        + "  WHERE id = 1)"
                        + " SELECT count(*), coalesce(max(position), -1),"
                        + " CASE WHEN count(*) > 0 THEN pg_notify('" + schema + "_sequenced', max(position)::text) END"
                        + " FROM ins",
                // Whether a tick would find events, without a lock or a write: run in a transaction that is rolled
                // back, an idle log's check neither commits nor writes WAL.
                "SELECT set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true);" + snapshots
                        + " SELECT EXISTS (" + fresh + ")",
                "SELECT l.position, e.stream_id, e.stream_version, e.event_type, e.payload::text, e.metadata::text,"
                        + " e.recorded_at FROM " + q + "event_log l JOIN " + q + "events e ON e.id = l.event_id"
                        + " WHERE l.position > ? ORDER BY l.position LIMIT ?",
                "SELECT coalesce(max(position), -1) FROM " + q + "event_log",
                "SELECT l.position, e.stream_id, e.stream_version, e.event_type, e.payload::text, e.metadata::text,"
                        + " e.recorded_at FROM " + q + "events e LEFT JOIN " + q + "event_log l ON l.event_id = e.id"
                        + " WHERE e.stream_id = ? AND e.stream_version >= ? ORDER BY e.stream_version LIMIT ?",
                "SELECT count(*), (SELECT ticked_at FROM " + q + "sequencer_state WHERE id = 1) FROM " + q
                        + "events e, "
                        + q + "sequencer_state s WHERE s.id = 1 AND (e.tx_id >= pg_snapshot_xmax(s.snapshot)"
                        + " OR e.tx_id IN (SELECT pg_snapshot_xip(s.snapshot)))",
                "SELECT max(tx_id)::text, pg_current_xact_id()::text, max(tx_id) > pg_current_xact_id() FROM " + q
                        + "events",
                "SELECT l.position FROM " + q + "events e JOIN " + q + "event_log l ON l.event_id = e.id"
                        + " WHERE e.stream_id = ? AND e.stream_version = ?");
    }

    /**
     * One statement, so one round trip: reads the stream's version, inserts the events after it when
     * {@code ? OR version = ?} (any version, or the expected one) holds, and returns each new version, with a
     * notification to the sequencer (delivered on commit) when asked to, the {@link #versionsEpoch() epoch}
     * and whether the commit is durable once acknowledged. Parameters, in order: [the stream id for the
     * lock,] the stream id, the metadata, the stream id, the events (type and payload of each, or an array
     * of types and one of payloads), any, expected, notify, the channel.
     *
     * @param events    how many events the append has
     * @param takeTurns whether to take a transaction-scoped advisory lock on the stream first, so that
     *                  appenders expecting any version take turns instead of racing for the next version. A
     *                  statement of its own, so that under READ COMMITTED the insert's snapshot is taken after
     *                  the lock is granted; sent with the insert (one round trip, one Sync), so that in
     *                  auto-commit mode both run in one implicit transaction, which holds the lock
     */
    String append(int events, boolean takeTurns) {
        StringBuilder statement = new StringBuilder();
        if (takeTurns) {
            statement.append("SELECT pg_advisory_xact_lock(hashtextextended(?, 0)); ");
        }
        statement.append(appendHead);
        return withEvents(statement, events)
                .append(" WHERE ? OR cur.v = ?")
                .append(returning())
                .toString();
    }

    /**
     * {@link #append} inside a savepoint of its own, for an append in the caller's transaction: three
     * statements sent together, so still one round trip. A lost race (a unique violation, which aborts the
     * transaction) then needs one more, {@link #ROLLBACK_APPEND_SAVEPOINT}, after which the caller's
     * transaction is as it was before the append. Parameters as in {@link #append}.
     */
    String appendInSavepoint(int events, boolean takeTurns) {
        return "SAVEPOINT " + APPEND_SAVEPOINT + "; " + append(events, takeTurns) + "; RELEASE SAVEPOINT "
                + APPEND_SAVEPOINT;
    }

    /**
     * One statement that inserts the events after a version the caller remembers, without reading the
     * stream, and only while the {@link #versionsEpoch() epoch} is still the one given and the commit will be
     * durable once acknowledged: a remembered version that is behind the stream fails on the unique (stream,
     * version) key; one ahead of it cannot exist while the epoch holds (see {@link StreamVersions}). Notifies
     * the sequencer (on commit) when asked to. Returns nothing (the caller knows the versions): its update
     * count is the number of events, 0 when the epoch changed or the commit would not be durable. Without
     * RETURNING it costs the server within about 10% of a plain INSERT (pgbench). Parameters, in order: the stream id, the
     * remembered version, the metadata, the events (as in {@link #append}), the epoch's server start and
     * events table file, notify, the channel.
     */
    String appendAfter(int events) {
        StringBuilder statement = new StringBuilder(appendAfterHead);
        return withEvents(statement, events)
                .append(" WHERE (")
                .append(versionsEpoch)
                .append(") = (?::timestamptz, ?)")
                .append(" AND ")
                .append(DURABLE)
                .append(" AND (NOT ? OR pg_notify(?, '') IS NOT NULL)")
                .toString();
    }

    private static StringBuilder withEvents(StringBuilder statement, int events) {
        if (events <= MAX_LISTED_EVENTS) {
            statement.append("(VALUES ");
            for (int i = 1; i <= events; i++) {
                statement.append(i == 1 ? "(" : ", (").append(i).append(", ?, ?)");
            }
            return statement.append(") AS t(ord, type, payload)");
        }
        return statement.append("unnest(?::text[], ?::text[]) WITH ORDINALITY AS t(type, payload, ord)");
    }

    /**
     * Each new version, the notification when asked for, the epoch, and whether the commit will be durable
     * when acknowledged (with synchronous_commit off a crash can lose an acknowledged commit without
     * restarting the server; such versions are not remembered).
     */
    private String returning() {
        return " RETURNING stream_version, CASE WHEN ? THEN pg_notify(?, '') END, " + DURABLE + ", " + versionsEpoch;
    }
}
