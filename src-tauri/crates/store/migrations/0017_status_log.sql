-- Status history from a vendor's own activity log (CCAI Platform).
--
-- Stretches read from the log are kept beside the ones Switchboard watched,
-- marked 'log' (a CHECK cannot change in place: the table is rebuilt as SQLite
-- documents, with every index it had).
CREATE TABLE status_samples_new (
    id                INTEGER PRIMARY KEY,
    agent_id          INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    status_vendor_id  TEXT,
    status_name       TEXT NOT NULL,
    started_at        INTEGER NOT NULL,
    last_seen_at      INTEGER NOT NULL,
    ended_at          INTEGER,
    source            TEXT NOT NULL CHECK (source IN ('poll', 'app', 'sync', 'log'))
) STRICT;
INSERT INTO status_samples_new (id, agent_id, status_vendor_id, status_name, started_at, last_seen_at, ended_at, source)
    SELECT id, agent_id, status_vendor_id, status_name, started_at, last_seen_at, ended_at, source
    FROM status_samples;
DROP TABLE status_samples;
ALTER TABLE status_samples_new RENAME TO status_samples;
CREATE INDEX status_samples_agent_started ON status_samples (agent_id, started_at);
CREATE INDEX status_samples_started ON status_samples (started_at);
CREATE UNIQUE INDEX status_samples_open ON status_samples (agent_id) WHERE ended_at IS NULL;
CREATE INDEX status_samples_finish ON status_samples (
    coalesce(ended_at, last_seen_at), started_at, agent_id, status_vendor_id, status_name
);

-- Where each connection's log was read to: the newest record's start (the
-- vendor's clock), and when that read was (ours).
ALTER TABLE status_polls ADD COLUMN log_read_to INTEGER;
ALTER TABLE status_polls ADD COLUMN log_read_at INTEGER;

-- The log's other records: logins and logouts, chats and calls offered to an
-- agent and picked up (for the dashboards), one row per vendor record.
CREATE TABLE agent_activity (
    id          INTEGER PRIMARY KEY,
    agent_id    INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    vendor_id   TEXT NOT NULL,
    activity    TEXT NOT NULL,
    at          INTEGER NOT NULL,
    contact_id  TEXT,
    UNIQUE (agent_id, vendor_id)
) STRICT;
CREATE INDEX agent_activity_at ON agent_activity (at, agent_id);
