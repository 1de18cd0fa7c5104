-- The sequencer is the only writer of event_log, it inserts only ids it has just read from events in the
-- same statement, and events are never deleted. The foreign key checked that again for every sequenced
-- event: an index probe plus a FOR KEY SHARE lock on the event's row, which dirtied the event's page and
-- wrote WAL once more per event, about a third of a tick's work per event.
ALTER TABLE event_log DROP CONSTRAINT event_log_event_id_fkey;
