package io.lockstep.projection;

import io.lockstep.projection.internal.Arguments;

/**
 * Identifies one checkpoint: a projection, optionally within a tenant.
 *
 * <p>Both parts are opaque text of at most {@value #MAX_LENGTH} characters (Unicode code points) of any
 * content but U+0000 (quotes and non-ASCII included); stores bind them as parameters and never build SQL
 * from them. The limit keeps the stored key within the size PostgreSQL allows an index entry (about 2,700
 * bytes), even when both parts are made of 4-byte UTF-8 characters; it is checked here, before anything
 * reaches a store. A side-by-side rebuild keeps its build's checkpoint under the projection's name followed
 * by {@code @v<version>}, which must fit too ({@link Projection.Builder#build()} checks that).
 *
 * @param tenantId   the tenant, or {@link #NO_TENANT} ({@code ""}) for a single-tenant application
 * @param projection the projection's name, not blank
 */
public record CheckpointKey(String tenantId, String projection) {

    /** The tenant id of checkpoints that belong to no tenant. */
    public static final String NO_TENANT = "";

    /** The longest projection name and tenant id, in characters (Unicode code points): {@value}. */
    public static final int MAX_LENGTH = 255;

    /**
     * Validates both parts.
     *
     * @throws NullPointerException     for a null part
     * @throws IllegalArgumentException for a blank projection or (non-empty) blank tenant, a part longer than
     *                                  {@link #MAX_LENGTH} characters, or one containing U+0000
     */
    public CheckpointKey {
        java.util.Objects.requireNonNull(tenantId, "tenantId");
        Arguments.requireKeyPart(projection, "projectionName", MAX_LENGTH);
        if (!tenantId.equals(NO_TENANT)) {
            Arguments.requireKeyPart(tenantId, "tenantId", MAX_LENGTH);
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
