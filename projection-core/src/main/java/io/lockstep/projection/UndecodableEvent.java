package io.lockstep.projection;

import java.util.Objects;

/**
 * Stands in an {@link Envelope} for an event its source could not decode (an unknown type name, a malformed
 * payload). Never given to a handler: the runner fails the event with an {@link EventDecodingException}, and
 * the projection's {@link FailurePolicy} decides (STOP names the position and type; SKIP dead-letters it).
 *
 * @param eventType the stored type name
 * @param payload   the stored payload, as text
 * @param reason    why it could not be decoded
 */
public record UndecodableEvent(String eventType, String payload, String reason) {

    /** Validates the components. */
    public UndecodableEvent {
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(reason, "reason");
    }
}
