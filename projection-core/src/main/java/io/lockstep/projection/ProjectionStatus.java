package io.lockstep.projection;

import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of one projection runner, for monitoring: is it moving, how far behind is it, what failed.
 *
 * @param name            the projection's name
 * @param tenantId        the tenant, {@code ""} for none
 * @param version         the projection's version
 * @param state           where the runner is
 * @param checkpoint      the committed position, -1 when none
 * @param headPosition    the newest position in the event source when last looked at, -1 when empty
 * @param lagEvents       {@code headPosition - checkpoint}, never negative
 * @param eventsProcessed events committed by this runner since it was built (passed-over events included)
 * @param lastError       the last failure seen, if any (it stays after recovery, for the record)
 * @param lastEventRecordedAt when the last event this runner committed was appended, if any
 * @param lagSeconds      how far behind the read model is in time: now minus the append time of the oldest
 *                        event read but not yet committed, 0 when caught up
 * @param eventsPerSecond events committed per second, averaged over the last minute
 */
public record ProjectionStatus(String name, String tenantId, int version, ProjectionState state, long checkpoint,
                               long headPosition, long lagEvents, long eventsProcessed,
                               Optional<ProjectionError> lastError, Optional<java.time.Instant> lastEventRecordedAt,
                               double lagSeconds, double eventsPerSecond) {

    /** Validates the components. */
    public ProjectionStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(lastError, "lastError");
        Objects.requireNonNull(lastEventRecordedAt, "lastEventRecordedAt");
    }
}
