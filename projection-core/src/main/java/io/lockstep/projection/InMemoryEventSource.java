package io.lockstep.projection;

import io.lockstep.projection.internal.Arguments;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An {@link EventSource} in memory, for unit tests of projections and prototypes. Positions start at 0 and
 * are dense. Thread-safe; {@link #append} wakes every waiting reader.
 */
public final class InMemoryEventSource implements EventSource {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition appended = lock.newCondition();
    private final List<Envelope> events = new ArrayList<>();
    private final Map<String, Long> streamVersions = new HashMap<>();
    private final InstantSource clock;

    /** Creates an empty source stamping events with the system clock. */
    public InMemoryEventSource() {
        this(InstantSource.system());
    }

    /** Creates an empty source stamping events with {@code clock}. */
    public InMemoryEventSource(InstantSource clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Appends {@code event} to {@code streamId}; its type name is the event's simple class name.
     *
     * @return the envelope stored, with its position
     */
    public Envelope append(String streamId, Object event) {
        return append(streamId, event, Map.of());
    }

    /** Appends {@code event} with {@code metadata}; see {@link #append(String, Object)}. */
    public Envelope append(String streamId, Object event, Map<String, String> metadata) {
        Arguments.requireName(streamId, "streamId");
        Objects.requireNonNull(event, "event");
        lock.lock();
        try {
            long version = streamVersions.merge(streamId, 0L, (old, ignored) -> old + 1);
            Envelope envelope = new Envelope(
                    events.size(),
                    streamId,
                    version,
                    event.getClass().getSimpleName(),
                    clock.instant(),
                    metadata,
                    event);
            events.add(envelope);
            appended.signalAll();
            return envelope;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<Envelope> read(long afterPosition, int maxEvents) {
        Arguments.requirePosition(afterPosition, "afterPosition");
        Arguments.requireRange("maxEvents", maxEvents, 1, Integer.MAX_VALUE, 1);
        lock.lock();
        try {
            int from = (int) Math.min(afterPosition + 1, events.size());
            int to = (int) Math.min((long) from + maxEvents, events.size());
            return List.copyOf(events.subList(from, to));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long headPosition() {
        lock.lock();
        try {
            return events.size() - 1L;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean awaitEvents(long afterPosition, Duration timeout) throws InterruptedException {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (events.size() - 1L <= afterPosition) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = appended.awaitNanos(remaining);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }
}
