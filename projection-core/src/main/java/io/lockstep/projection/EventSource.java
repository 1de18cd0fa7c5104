package io.lockstep.projection;

import java.time.Duration;
import java.util.List;

/**
 * Where a projection reads events from: a log whose positions are dense and strictly increasing in the
 * order events became visible, so that reading "after the checkpoint" can never skip an event.
 *
 * <p>Implementations are thread-safe. Lockstep ships {@link InMemoryEventSource}; the PostgreSQL event
 * log implements this interface in projection-postgres.
 */
public interface EventSource {

    /**
     * Reads the events after {@code afterPosition}, in position order.
     *
     * @param afterPosition the checkpoint: -1 reads from the start
     * @param maxEvents     at most this many events (>= 1)
     * @return up to {@code maxEvents} events, empty when there are none yet
     */
    List<Envelope> read(long afterPosition, int maxEvents);

    /** @return the position of the newest event, -1 when the log is empty */
    long headPosition();

    /**
     * Blocks until an event after {@code afterPosition} may exist or {@code timeout} passes. May return
     * early (a spurious wake-up costs one empty read); must not return late by more than a poll interval.
     *
     * @return true when new events are likely, false on timeout
     * @throws InterruptedException when the waiting thread is interrupted (a runner being stopped)
     */
    boolean awaitEvents(long afterPosition, Duration timeout) throws InterruptedException;
}
