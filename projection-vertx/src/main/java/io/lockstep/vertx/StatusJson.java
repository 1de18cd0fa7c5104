package io.lockstep.vertx;

import io.lockstep.projection.ProjectionError;
import io.lockstep.projection.ProjectionStatus;
import io.vertx.core.json.JsonObject;

/** Renders a {@link ProjectionStatus} as the JSON the management API answers with. */
final class StatusJson {

    private StatusJson() {
    }

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
        return json;
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
