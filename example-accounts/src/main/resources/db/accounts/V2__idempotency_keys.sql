-- Idempotency keys of commands (the Idempotency-Key header): per key, the request it was first used for and
-- its outcome, stored in the transaction that appends the command's event (or, for a refusal by the
-- account's rules, in one of its own). The application removes keys older than 24 hours.
CREATE TABLE idempotency_keys (
    idempotency_key varchar(255) PRIMARY KEY,
    request         text         NOT NULL,
    account_id      varchar(64)  NOT NULL,
    stream_version  bigint,
    refusal         varchar(40),
    message         text,
    created_at      timestamp with time zone NOT NULL DEFAULT now(),
    CHECK ((stream_version IS NULL) <> (refusal IS NULL))
);

CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
