-- Partitioned projections and their leases.
--
-- Every event belongs to one of 1,024 buckets, a hash of its stream id that PostgreSQL and Java compute the
-- same way on every version and platform (the low 10 bits of the first 4 bytes of the MD5 of the stream id's
-- UTF-8 bytes; see io.lockstep.projection.StreamBuckets). A projection with N partitions (N a power of two)
-- gives partition i the buckets [i * 1024 / N, (i + 1) * 1024 / N), so all of a stream's events go to one
-- partition, and splitting or merging partitions moves whole buckets.
--
-- The bucket is a generated column of events (appenders need not know it; adding it rewrites the table once)
-- and is copied by the sequencer into event_log, whose (bucket, position) index lets a partition read only
-- its own events in position order.
ALTER TABLE events
    ADD COLUMN bucket smallint NOT NULL
        GENERATED ALWAYS AS ((('x' || substr(md5(stream_id), 1, 8))::bit(32)::int & 1023)::smallint) STORED;

ALTER TABLE event_log ADD COLUMN bucket smallint;
UPDATE event_log l SET bucket = e.bucket FROM events e WHERE e.id = l.event_id;
ALTER TABLE event_log ALTER COLUMN bucket SET NOT NULL,
    ADD CONSTRAINT event_log_bucket_check CHECK (bucket BETWEEN 0 AND 1023);
CREATE INDEX event_log_bucket_position_idx ON event_log (bucket, position);

-- Nodes: every process that runs projections under leases, renewed by heartbeat, with the projections it runs
-- (a projection's partitions are shared among the live nodes that run it). Times are the database's
-- (clock_timestamp()), so the nodes' clocks never matter.
CREATE TABLE nodes (
    node_id     text        PRIMARY KEY,
    projections text[]      NOT NULL DEFAULT '{}',
    started_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    renewed_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    expires_at  timestamptz NOT NULL
);

-- One lease per checkpoint that runs under leases (a partition, or an unpartitioned projection). Only the
-- owner runs it; its batches check owner, epoch and expiry in their own transaction (FOR SHARE, so a
-- takeover waits for a batch in flight), and every claim increments the epoch.
CREATE TABLE leases (
    tenant_id        text        NOT NULL DEFAULT '',
    checkpoint       text        NOT NULL,
    projection       text        NOT NULL,
    partition_index  integer     NOT NULL CHECK (partition_index >= 0),
    partition_count  integer     NOT NULL CHECK (partition_count >= 1 AND partition_index < partition_count),
    owner            text,
    epoch            bigint      NOT NULL DEFAULT 0,
    expires_at       timestamptz NOT NULL DEFAULT '-infinity',
    PRIMARY KEY (tenant_id, checkpoint)
);

CREATE INDEX leases_owner_idx ON leases (owner);

COMMENT ON TABLE nodes IS 'Lockstep: live processes that run projections under leases';
COMMENT ON TABLE leases IS 'Lockstep: which node runs each projection partition, until when';

-- Re-partitioning online. When a projection's partition count changes, one transaction locks the old
-- partitions' checkpoints (waiting for batches in flight), pauses them for good and starts the new ones: a new
-- partition split from an old one starts at the old one's checkpoint; a new partition that merges several old
-- ones starts at the smallest of their checkpoints and, for each old one that was further, skips the events of
-- its buckets up to its checkpoint (they are applied already). Those skips are kept here until passed; a
-- replay deletes them in its transaction.
CREATE TABLE partition_skips (
    tenant_id     text   NOT NULL DEFAULT '',
    checkpoint    text   NOT NULL,
    first_bucket  integer NOT NULL CHECK (first_bucket BETWEEN 0 AND 1023),
    end_bucket    integer NOT NULL CHECK (end_bucket > first_bucket AND end_bucket <= 1024),
    applied_to    bigint NOT NULL CHECK (applied_to >= 0)
);

CREATE INDEX partition_skips_checkpoint_idx ON partition_skips (tenant_id, checkpoint);

COMMENT ON TABLE partition_skips IS 'Lockstep: events a merged partition skips because an old partition applied them';
