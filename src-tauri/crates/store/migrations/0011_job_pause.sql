-- A manager can pause a job: its items not yet sent stay queued and nobody
-- takes them until it is resumed (an item already on its way finishes).
ALTER TABLE jobs ADD COLUMN paused_at INTEGER;
