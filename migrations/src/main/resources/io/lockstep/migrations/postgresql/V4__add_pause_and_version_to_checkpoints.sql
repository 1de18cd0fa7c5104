-- Operator state kept with the checkpoint, so it survives restarts and holds for every runner:
-- paused projections commit nothing; version records which projection version built the read model.
ALTER TABLE checkpoints
    ADD COLUMN paused  boolean NOT NULL DEFAULT false,
    ADD COLUMN version integer NOT NULL DEFAULT 0 CHECK (version >= 0);
