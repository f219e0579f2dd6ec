-- Switchboard's first schema. Later versions add migrations; this file never changes.
-- Times are INTEGER milliseconds since the UNIX epoch (UTC). Vendor ids are TEXT.

CREATE TABLE connections (
    id            TEXT PRIMARY KEY NOT NULL,
    vendor        TEXT NOT NULL CHECK (vendor IN ('pingup', 'vambe', 'helpcrunch', 'ccai_platform', 'splashify')),
    display_name  TEXT NOT NULL,
    base_url      TEXT NOT NULL,
    -- Non-secret settings only; secrets live in the OS keychain under the id.
    settings      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
    is_demo       INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE people (
    id            INTEGER PRIMARY KEY,
    display_name  TEXT NOT NULL,
    email         TEXT UNIQUE,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE agents (
    id             INTEGER PRIMARY KEY,
    connection_id  TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    vendor_id      TEXT NOT NULL,
    name           TEXT NOT NULL,
    email          TEXT,
    role           TEXT,
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    person_id      INTEGER REFERENCES people (id) ON DELETE SET NULL,
    link           TEXT NOT NULL DEFAULT 'auto' CHECK (link IN ('auto', 'manual', 'unlinked')),
    source         TEXT NOT NULL CHECK (source IN ('sync', 'manual', 'csv')),
    synced_at      INTEGER,
    UNIQUE (connection_id, vendor_id)
) STRICT;
CREATE INDEX agents_email ON agents (email);
CREATE INDEX agents_person ON agents (person_id);

CREATE TABLE teams (
    id                INTEGER PRIMARY KEY,
    connection_id     TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    vendor_id         TEXT NOT NULL,
    name              TEXT NOT NULL,
    parent_vendor_id  TEXT,
    synced_at         INTEGER,
    UNIQUE (connection_id, vendor_id)
) STRICT;

CREATE TABLE team_members (
    team_id   INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    agent_id  INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, agent_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX team_members_agent ON team_members (agent_id);

CREATE TABLE targets (
    id                INTEGER PRIMARY KEY,
    connection_id     TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('client', 'contact', 'chat', 'conversation')),
    vendor_id         TEXT NOT NULL,
    name              TEXT,
    phone             TEXT,
    email             TEXT,
    status            TEXT,
    last_activity_at  INTEGER,
    synced_at         INTEGER,
    UNIQUE (connection_id, kind, vendor_id)
) STRICT;
CREATE INDEX targets_phone ON targets (phone);
CREATE INDEX targets_email ON targets (email);
CREATE INDEX targets_name ON targets (name COLLATE NOCASE);

CREATE TABLE assignments (
    target_id        INTEGER NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    agent_vendor_id  TEXT NOT NULL,
    agent_id         INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    until            INTEGER,
    notes            TEXT,
    source           TEXT NOT NULL CHECK (source IN ('vendor', 'app')),
    observed_at      INTEGER NOT NULL,
    PRIMARY KEY (target_id, agent_vendor_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX assignments_agent ON assignments (agent_id);

-- The journal outlives connections and targets: history stays readable after a
-- connection is removed, so it keeps ids and labels rather than foreign keys.
CREATE TABLE jobs (
    id           TEXT PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('assign', 'release', 'set_status', 'reassign', 'sync')),
    title        TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'partial', 'failed', 'cancelled')),
    origin       TEXT NOT NULL CHECK (origin IN ('app', 'cli')),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    finished_at  INTEGER
) STRICT;
CREATE INDEX jobs_created ON jobs (created_at);

CREATE TABLE operations (
    id                INTEGER PRIMARY KEY,
    job_id            TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    connection_id     TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('assign', 'release', 'set_status')),
    target_id         INTEGER,
    target_vendor_id  TEXT,
    -- What the manager saw (a name or phone), so history reads well offline and later.
    target_label      TEXT,
    request           TEXT NOT NULL CHECK (json_valid(request)),
    before            TEXT CHECK (before IS NULL OR json_valid(before)),
    state             TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'done', 'failed', 'conflict', 'cancelled')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    response          TEXT CHECK (response IS NULL OR json_valid(response)),
    error_code        TEXT,
    error_message     TEXT,
    not_after         INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    finished_at       INTEGER
) STRICT;
CREATE INDEX operations_job ON operations (job_id);
CREATE INDEX operations_created ON operations (created_at);
CREATE INDEX operations_connection_created ON operations (connection_id, created_at);
-- Small: only unfinished work, read at start-up to recover and by the queue.
CREATE INDEX operations_pending ON operations (state) WHERE state IN ('queued', 'sending', 'conflict');

CREATE TABLE status_samples (
    id                INTEGER PRIMARY KEY,
    agent_id          INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    status_vendor_id  TEXT,
    status_name       TEXT NOT NULL,
    started_at        INTEGER NOT NULL,
    last_seen_at      INTEGER NOT NULL,
    ended_at          INTEGER,
    source            TEXT NOT NULL CHECK (source IN ('poll', 'app', 'sync'))
) STRICT;
CREATE INDEX status_samples_agent_started ON status_samples (agent_id, started_at);
CREATE INDEX status_samples_started ON status_samples (started_at);

CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,
    origin         TEXT NOT NULL CHECK (origin IN ('app', 'cli')),
    action         TEXT NOT NULL,
    connection_id  TEXT,
    summary        TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_at ON audit_log (at);
