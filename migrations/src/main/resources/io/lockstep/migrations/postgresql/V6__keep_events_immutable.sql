-- Stored events are immutable: the trigger below refuses every statement that deletes them, truncates them or
-- moves them to another stream or version. Appenders rely on it: each process remembers the version its own
-- committed appends took in each stream and appends the next events after it without reading the stream again
-- (the unique (stream_id, stream_version) key catches a stream that another appender moved on). A remembered version can only be
-- behind the stored one while nothing is removed; removing events behind a running appender would make its
-- next append leave a hole in the stream. Payloads and metadata may still be rewritten (redaction).
--
-- The deliberate way around it: stop every appending process (what they remember lives in their memory), then
-- in one transaction
--   SET LOCAL lockstep.allow_event_removal = on;  DELETE FROM ... ;  COMMIT;
-- and start them again. The trigger fires ALWAYS, also under session_replication_role = replica; it does not
-- guard against ALTER TABLE ... DISABLE TRIGGER, dropping the table, or partitions of a partitioned copy.
CREATE FUNCTION refuse_event_removal() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF coalesce(current_setting('lockstep.allow_event_removal', true), '') <> 'on' THEN
        RAISE EXCEPTION 'lockstep: % on %.% refused: stored events are never removed or moved', TG_OP,
            TG_TABLE_SCHEMA, TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation',
                  HINT = 'Running appenders remember the versions their streams reached. To remove events anyway,'
                      ' stop every appending process, run the statement in a transaction after'
                      ' SET LOCAL lockstep.allow_event_removal = on, then start them again. To erase personal data, update payload or'
                      ' metadata instead.';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER events_are_immutable BEFORE DELETE OR TRUNCATE OR UPDATE OF stream_id, stream_version ON events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_event_removal();

ALTER TABLE events ENABLE ALWAYS TRIGGER events_are_immutable;
