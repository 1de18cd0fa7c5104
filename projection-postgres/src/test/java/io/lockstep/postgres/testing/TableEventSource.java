package io.lockstep.postgres.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lockstep.projection.Envelope;
import io.lockstep.projection.EventSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * A test {@link EventSource} over a plain table {@code test_events} whose positions a single writer
 * assigns densely (the test seeds it). Decodes JSON payloads with Jackson through a type-name registry.
 * The PostgreSQL event log (sequenced, safe for concurrent appenders) replaces this outside tests.
 */
public final class TableEventSource implements EventSource {

    /** DDL of the table this source reads. */
    public static final String DDL = """
            CREATE TABLE IF NOT EXISTS test_events (
                position       bigint PRIMARY KEY CHECK (position >= 0),
                stream_id      text   NOT NULL,
                stream_version bigint NOT NULL,
                event_type     text   NOT NULL,
                payload        jsonb  NOT NULL,
                recorded_at    timestamptz NOT NULL DEFAULT now())""";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration POLL = Duration.ofMillis(10);

    private final DataSource dataSource;
    private final Map<String, Class<?>> types;

    /**
     * @param types event type name to the record it decodes into
     */
    public TableEventSource(DataSource dataSource, Map<String, Class<?>> types) {
        this.dataSource = dataSource;
        this.types = Map.copyOf(types);
    }

    @Override
    public List<Envelope> read(long afterPosition, int maxEvents) {
        String sql = "SELECT position, stream_id, stream_version, event_type, payload::text, recorded_at"
                + " FROM test_events WHERE position > ? ORDER BY position LIMIT ?";
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, afterPosition);
            statement.setInt(2, maxEvents);
            List<Envelope> events = new ArrayList<>(maxEvents);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    events.add(new Envelope(
                            rows.getLong(1),
                            rows.getString(2),
                            rows.getLong(3),
                            rows.getString(4),
                            rows.getTimestamp(6).toInstant(),
                            Map.of(),
                            decode(rows.getString(4), rows.getString(5))));
                }
            }
            return events;
        } catch (SQLException e) {
            throw new IllegalStateException("reading test_events after " + afterPosition + " failed", e);
        }
    }

    @Override
    public long headPosition() {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement =
                        connection.prepareStatement("SELECT coalesce(max(position), -1) FROM test_events");
                ResultSet rows = statement.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("reading the head of test_events failed", e);
        }
    }

    @Override
    public boolean awaitEvents(long afterPosition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (headPosition() <= afterPosition) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            // This source has no notification channel: polling at a fixed interval is its wait.
            Thread.sleep(Duration.ofNanos(Math.min(left, POLL.toNanos())));
        }
        return true;
    }

    private Object decode(String type, String payload) {
        Class<?> target = types.get(type);
        if (target == null) {
            throw new IllegalStateException("unknown event type '" + type + "'; known: " + types.keySet());
        }
        try {
            return JSON.readValue(payload, target);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("malformed " + type + " payload: " + payload, e);
        }
    }
}
