-- A resume sent to any node reaches the partitions that other nodes run: ProjectionNode.resume increments the
-- counter on every lease of the projection, and each owner's heartbeat retries its FAILED runner of that lease
-- from the checkpoint when it sees the counter grow. Pauses are stored with the checkpoint and need no signal.
ALTER TABLE leases ADD COLUMN resume_requests bigint NOT NULL DEFAULT 0;

COMMENT ON COLUMN leases.resume_requests IS
    'Lockstep: resumes asked for this projection on any node; the owner retries a FAILED runner when it grows';
