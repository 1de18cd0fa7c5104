package io.lockstep.projection;

import io.lockstep.projection.internal.Arguments;

/**
 * Identifies one checkpoint: a projection, optionally within a tenant.
 *
 * <p>Both parts are opaque text of any length and content (quotes and non-ASCII included); stores bind
 * them as parameters and never build SQL from them.
 *
 * @param tenantId   the tenant, or {@link #NO_TENANT} ({@code ""}) for a single-tenant application
 * @param projection the projection's name, not blank
 */
public record CheckpointKey(String tenantId, String projection) {

    /** The tenant id of checkpoints that belong to no tenant. */
    public static final String NO_TENANT = "";

    /** Validates both parts: a null part is a {@link NullPointerException}, a blank projection an {@link IllegalArgumentException}. */
    public CheckpointKey {
        java.util.Objects.requireNonNull(tenantId, "tenantId");
        Arguments.requireName(projection, "projectionName");
        if (!tenantId.equals(NO_TENANT)) {
            Arguments.requireName(tenantId, "tenantId");
        }
    }

    /** @return the key of {@code projection} outside any tenant */
    public static CheckpointKey of(String projection) {
        return new CheckpointKey(NO_TENANT, projection);
    }

    @Override
    public String toString() {
        return tenantId.isEmpty() ? "'" + projection + "'" : "'" + projection + "' (tenant '" + tenantId + "')";
    }
}
