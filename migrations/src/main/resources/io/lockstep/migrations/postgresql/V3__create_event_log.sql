-- The event log. Appenders insert into events; a sequencer assigns each committed event its global
-- position in event_log after commit, from the difference between two snapshots, so positions are dense and
-- follow commit order: a reader checkpointing "position > n" never skips a late commit.
CREATE TABLE events (
    id             bigserial   PRIMARY KEY,
    -- Who wrote the row. Never settable by the application; the CHECK makes a restore into a cluster with a
    -- younger transaction counter fail loudly instead of hiding events from the sequencer.
    tx_id          xid8        NOT NULL DEFAULT pg_current_xact_id() CHECK (tx_id <= pg_current_xact_id()),
    stream_id      text        NOT NULL,
    stream_version bigint      NOT NULL CHECK (stream_version >= 0),
    event_type     text        NOT NULL,
    payload        jsonb       NOT NULL,
    metadata       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream_id, stream_version)
);

CREATE INDEX events_tx_id_id_idx ON events (tx_id, id);

CREATE TABLE event_log (
    position bigint PRIMARY KEY CHECK (position >= 1),
    event_id bigint NOT NULL UNIQUE REFERENCES events (id)
);

CREATE TABLE sequencer_state (
    id        integer     PRIMARY KEY CHECK (id = 1),
    snapshot  pg_snapshot NOT NULL,
    ticked_at timestamptz NOT NULL
);

-- The first tick sees every committed transaction as new.
INSERT INTO sequencer_state (id, snapshot, ticked_at) VALUES (1, '1:1:', now());

COMMENT ON TABLE events IS 'Lockstep: appended events; positions are assigned in event_log after commit';
COMMENT ON TABLE event_log IS 'Lockstep: dense, commit-ordered global positions of committed events';
