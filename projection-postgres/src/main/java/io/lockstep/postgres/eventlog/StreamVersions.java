package io.lockstep.postgres.eventlog;

import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The versions streams reached in this process's own committed appends, so the next append to a stream can
 * insert after its version without reading it ({@link EventLogSql#appendAfter}). Only appends in a
 * transaction of their own whose commit was durable when acknowledged (synchronous_commit not off) are
 * remembered, so a remembered version is never ahead of the stored one as long as stored events are not
 * removed (V6 refuses that) and the database is the same: each version is remembered with the {@link Epoch}
 * it was committed under, which the append statement checks. A remembered version may be behind (another
 * appender moved the stream on), which the unique (stream, version) key catches. Bounded: past
 * {@value #MAX_STREAMS} streams it starts over. Thread-safe.
 */
final class StreamVersions {

    /** Streams remembered at most; about 100 bytes each. */
    static final int MAX_STREAMS = 100_000;

    /** No version remembered. */
    static final Remembered NONE = new Remembered(null, -1);

    private volatile Memory memory = new Memory(null);

    /**
     * What remembered versions hold under: the server's start time (a restore from a backup or a failover
     * starts a server anew; a crash restart does not, but loses no durable commit) and the path of the events
     * table's file, which names the database and the table's file node (another database, a clone from a
     * template, a schema created anew or a TRUNCATE changes it). Not covered: a server whose disk is rolled
     * back under it without a restart (a virtual machine's memory snapshot).
     */
    record Epoch(String serverStart, String eventsFile) {

        /** @param serverStart the server's start time, kept as ISO-8601 text (bound as text, compared as time) */
        Epoch(Instant serverStart, String eventsFile) {
            this(serverStart.toString(), eventsFile);
        }
    }

    /** A stream's version and the epoch it holds under; {@link #NONE} when none is remembered. */
    record Remembered(Epoch epoch, long version) {

        boolean known() {
            return version >= 0;
        }
    }

    /** Versions that all hold under one epoch: a version is only ever added to the memory of its epoch. */
    private record Memory(Epoch epoch, ConcurrentHashMap<String, Long> versions) {

        Memory(Epoch epoch) {
            this(epoch, new ConcurrentHashMap<>());
        }
    }

    /** @return the version {@code streamId} reached, with its epoch, or {@link #NONE} */
    Remembered versionOf(String streamId) {
        Memory current = memory;
        Long version = current.versions.get(streamId);
        return version == null ? NONE : new Remembered(current.epoch, version);
    }

    /**
     * Remembers that {@code streamId} reached {@code version} in a transaction committed under {@code epoch};
     * keeps the higher of two versions. An epoch other than the remembered one starts over with this stream.
     */
    void reached(Epoch epoch, String streamId, long version) {
        Memory current = memory;
        if (!epoch.equals(current.epoch)
                || current.versions.size() >= MAX_STREAMS && !current.versions.containsKey(streamId)) {
            current = new Memory(epoch);
            memory = current;
        }
        current.versions.merge(streamId, version, Math::max);
    }

    /** Forgets one stream, whose remembered version turned out to be behind the stored one. */
    void forget(String streamId) {
        memory.versions.remove(streamId);
    }

    /** Forgets every stream, if they are still remembered under {@code stale}: the epoch changed. */
    void forgetAll(Epoch stale) {
        if (stale.equals(memory.epoch)) {
            memory = new Memory(null);
        }
    }
}
