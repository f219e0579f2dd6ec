-- Two new kinds of bulk job: an assignment plan imported from CSV, and a
-- cover (work handed to colleagues while someone is away, and back). The kind
-- is checked by the table, so the table is rebuilt the way SQLite documents
-- (foreign keys are off while migrations run): create, copy, drop, rename.
CREATE TABLE jobs_new (
    id           TEXT PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('assign', 'release', 'set_status', 'reassign', 'plan', 'cover', 'sync')),
    title        TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'partial', 'failed', 'cancelled')),
    origin       TEXT NOT NULL CHECK (origin IN ('app', 'cli')),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    leased_by    TEXT,
    lease_until  INTEGER,
    paused_at    INTEGER
) STRICT;
INSERT INTO jobs_new (id, kind, title, state, origin, created_at, updated_at, finished_at, leased_by, lease_until, paused_at)
    SELECT id, kind, title, state, origin, created_at, updated_at, finished_at, leased_by, lease_until, paused_at FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;
CREATE INDEX jobs_created ON jobs (created_at);
