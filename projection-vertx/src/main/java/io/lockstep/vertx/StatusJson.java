package io.lockstep.vertx;

import io.lockstep.projection.ProjectionError;
import io.lockstep.projection.ProjectionStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Renders a {@link ProjectionStatus} as the JSON the management API answers with: the figures, plus
 * {@code stall} ({@code since}, {@code attempts}, {@code nextAttempt}) while STALLED, {@code busySince} while a
 * step is in flight, {@code lastError} while a failure is being dealt with and {@code errorHistory} (newest
 * first; each with {@code since} and {@code resolvedAt}) for the failures recovered from.
 */
final class StatusJson {

    private StatusJson() {}

    static JsonObject of(ProjectionStatus status) {
        JsonObject json = new JsonObject()
                .put("name", status.name())
                .put("tenant", status.tenantId())
                .put("version", status.version())
                .put("state", status.state().name())
                .put("checkpoint", status.checkpoint())
                .put("headPosition", status.headPosition())
                .put("lagEvents", status.lagEvents())
                .put("lagSeconds", status.lagSeconds())
                .put("eventsPerSecond", status.eventsPerSecond())
                .put("eventsProcessed", status.eventsProcessed());
        status.lastError().ifPresent(error -> json.put("lastError", error(error)));
        status.stall()
                .ifPresent(stall -> json.put(
                        "stall",
                        new JsonObject()
                                .put("since", stall.since().toString())
                                .put("attempts", stall.attempts())
                                .put("nextAttempt", stall.nextAttempt().toString())));
        status.busySince().ifPresent(since -> json.put("busySince", since.toString()));
        JsonArray history = new JsonArray();
        for (ProjectionStatus.ResolvedError resolved : status.errorHistory()) {
            history.add(error(resolved.error())
                    .put("since", resolved.since().toString())
                    .put("resolvedAt", resolved.resolvedAt().toString()));
        }
        return json.put("errorHistory", history);
    }

    private static JsonObject error(ProjectionError error) {
        return new JsonObject()
                .put("position", error.position())
                .put("eventType", error.eventType())
                .put("streamId", error.streamId())
                .put("message", error.message())
                .put("exception", error.cause().getClass().getName())
                .put("at", error.occurredAt().toString());
    }
}
