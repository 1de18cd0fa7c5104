-- Lockstep checkpoints: one row per projection (and tenant), advanced in the same transaction as the
-- projection's read-model writes. Unqualified names: Flyway's default schema decides where they live.
CREATE TABLE checkpoints (
    tenant_id   text        NOT NULL DEFAULT '',
    projection  text        NOT NULL,
    position    bigint      NOT NULL CHECK (position >= -1),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, projection)
);

COMMENT ON TABLE checkpoints IS 'Lockstep: position of the last event each projection committed; -1 = none';
