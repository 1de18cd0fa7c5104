package io.lockstep.postgres.bench;

import io.lockstep.projection.Envelope;
import io.lockstep.projection.EventSource;
import java.time.Duration;
import java.util.List;

/** A view of an {@link EventSource} that ends at {@code last}: the warm-up replays a prefix of the workload. */
final class PrefixEventSource implements EventSource {

    private final EventSource source;
    private final long last;

    PrefixEventSource(EventSource source, long last) {
        this.source = source;
        this.last = last;
    }

    @Override
    public List<Envelope> read(long afterPosition, int maxEvents) {
        if (afterPosition >= last) {
            return List.of();
        }
        return source.read(afterPosition, (int) Math.min(maxEvents, last - afterPosition));
    }

    @Override
    public long headPosition() {
        return Math.min(last, source.headPosition());
    }

    @Override
    public boolean awaitEvents(long afterPosition, Duration timeout) throws InterruptedException {
        return afterPosition < last && source.awaitEvents(afterPosition, timeout);
    }
}
