package io.lockstep.postgres.bench;

import io.lockstep.postgres.eventlog.EventTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The append benchmark's events and streams: one small record type (about 100 bytes of JSON, a fresh
 * {@link UUID} per event so the latency scenario can match an append with its projection) and, per appender
 * thread, a rotating set of streams of its own, so that appenders never contend for a stream.
 */
final class AppendWorkload {

    /** The benchmark's event: a deposit with a unique id and a fixed note that pads it to about 100 bytes. */
    record Deposited(UUID id, String account, long amount, String note) {}

    /** The registry every contender encodes with, so all of them store the same JSON. */
    static final EventTypes TYPES =
            EventTypes.builder().register("Deposited", Deposited.class).build();

    /** Streams each appender thread rotates over. */
    static final int STREAMS_PER_THREAD = 64;

    private static final String NOTE = "bench deposit";

    private AppendWorkload() {}

    /** @return {@code count} new events for {@code streamId} */
    static List<Deposited> events(String streamId, int count) {
        List<Deposited> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            events.add(event(streamId, i));
        }
        return events;
    }

    static Deposited event(String streamId, long amount) {
        return new Deposited(UUID.randomUUID(), streamId, amount, NOTE);
    }

    /** @return the stored JSON size of one event, for the setup line */
    static int payloadBytes() {
        return TYPES.toJson(event(streamId(7, 42), 1234)).length();
    }

    /** @return the {@code k}-th stream of appender thread {@code thread} */
    static String streamId(int thread, int k) {
        return "bench-t" + thread + "-s" + k;
    }

    /** One appender thread's rotation over its own streams, with the next version of each. Not thread-safe. */
    static final class Streams {
        private final String[] ids = new String[STREAMS_PER_THREAD];
        private final long[] versions = new long[STREAMS_PER_THREAD];
        private int next;

        Streams(int thread) {
            for (int k = 0; k < ids.length; k++) {
                ids[k] = streamId(thread, k);
            }
        }

        /** Moves to the next stream of the rotation; returns its index. */
        int advance() {
            next = (next + 1) % ids.length;
            return next;
        }

        String id(int stream) {
            return ids[stream];
        }

        /** @return the stream's next version, and counts it as taken */
        long takeVersion(int stream) {
            return versions[stream]++;
        }
    }
}
