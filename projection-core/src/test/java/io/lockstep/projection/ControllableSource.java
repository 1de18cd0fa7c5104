package io.lockstep.projection;

import java.time.Duration;
import java.util.List;

/**
 * An {@link InMemoryEventSource} for fault tests: its positions start at {@code first} (the PostgreSQL event
 * log starts at 1), and it can be taken down, when every read fails as an unreachable database would.
 * Thread-safe.
 */
final class ControllableSource implements EventSource {

    private final InMemoryEventSource events = new InMemoryEventSource();
    private final long first;
    private volatile boolean down;

    /** @param first the position of the first event */
    ControllableSource(long first) {
        this.first = first;
    }

    Envelope append(String streamId, Object event) {
        return shifted(events.append(streamId, event));
    }

    /** Makes every read fail ({@code true}) or work again. */
    void down(boolean down) {
        this.down = down;
    }

    @Override
    public List<Envelope> read(long afterPosition, int maxEvents) {
        requireUp();
        long inner = afterPosition == -1 ? -1 : Math.max(-1, afterPosition - first);
        return events.read(inner, maxEvents).stream().map(this::shifted).toList();
    }

    @Override
    public long headPosition() {
        requireUp();
        long head = events.headPosition();
        return head == -1 ? -1 : head + first;
    }

    @Override
    public boolean awaitEvents(long afterPosition, Duration timeout) throws InterruptedException {
        requireUp();
        return events.awaitEvents(afterPosition == -1 ? -1 : afterPosition - first, timeout);
    }

    private void requireUp() {
        if (down) {
            throw new IllegalStateException("test source is down: connection refused");
        }
    }

    private Envelope shifted(Envelope e) {
        return new Envelope(
                e.position() + first,
                e.streamId(),
                e.streamVersion(),
                e.eventType(),
                e.recordedAt(),
                e.metadata(),
                e.event());
    }
}
