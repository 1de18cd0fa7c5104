-- Poison events skipped under the SKIP failure policy, written in the transaction that moves the
-- checkpoint past them.
CREATE TABLE dead_letters (
    id              bigserial   PRIMARY KEY,
    tenant_id       text        NOT NULL,
    projection      text        NOT NULL,
    position        bigint      NOT NULL,
    stream_id       text        NOT NULL,
    stream_version  bigint      NOT NULL,
    event_type      text        NOT NULL,
    event_recorded_at timestamptz NOT NULL,
    metadata        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    error_class     text        NOT NULL,
    error_message   text        NOT NULL,
    stack_trace     text        NOT NULL,
    skipped_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, projection, position)
);

COMMENT ON TABLE dead_letters IS 'Lockstep: events a projection skipped (failure policy SKIP), with the error';
