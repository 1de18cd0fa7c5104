package io.lockstep.postgres.eventlog;

/**
 * What an append stored. Global positions are assigned after commit by the sequencer, so they are not
 * known here; read-your-writes waits for the projection's checkpoint to reach the event.
 *
 * @param streamId     the stream appended to
 * @param firstVersion the version of the first event appended
 * @param lastVersion  the stream's version after the append: pass it as the next expected version
 */
public record AppendResult(String streamId, long firstVersion, long lastVersion) {}
