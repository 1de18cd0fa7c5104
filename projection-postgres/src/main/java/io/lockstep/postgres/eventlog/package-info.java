/**
 * Lockstep's event log on PostgreSQL: {@link io.lockstep.postgres.eventlog.PostgresEventLog} appends events
 * to streams with per-stream optimistic concurrency ({@link io.lockstep.postgres.eventlog.ExpectedVersion}),
 * and serves them to projection runners as an {@code EventSource} whose positions are dense and follow commit
 * order, assigned after commit by a sequencer. {@link io.lockstep.postgres.eventlog.EventTypes} maps event
 * classes to stored type names and JSON (Jackson). Independent of the projection store: any
 * {@code ProjectionStore} can read from this log, and the PostgreSQL store can read from any source.
 */
package io.lockstep.postgres.eventlog;
