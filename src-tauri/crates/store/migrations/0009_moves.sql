-- Bulk reassignment: an operation can be a move (`Change::Move`): a target
-- handed from one agent to another, in the calls its vendor needs.
--
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt as in
-- 0008 (sqlite.org/lang_altertable.html, section 7; foreign keys are off while
-- migrations run and checked before each commits). Ids and claims are kept, so
-- the full-text index, `operation_agents` and work in flight stay valid.

CREATE TABLE operations_new (
    id                INTEGER PRIMARY KEY,
    job_id            TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    connection_id     TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('assign', 'release', 'set_status', 'move')),
    target_id         INTEGER,
    target_vendor_id  TEXT,
    -- What the manager saw (a name or phone), so history reads well offline and later.
    target_label      TEXT,
    request           TEXT NOT NULL CHECK (json_valid(request)),
    before            TEXT CHECK (before IS NULL OR json_valid(before)),
    state             TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'done', 'failed', 'conflict', 'unknown', 'cancelled')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    response          TEXT CHECK (response IS NULL OR json_valid(response)),
    error_code        TEXT,
    error_message     TEXT,
    not_after         INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    finished_at       INTEGER,
    agent_names       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(agent_names)),
    -- Who holds the operation now (sending it, or about to), and until when.
    claimed_by        TEXT,
    claim_until       INTEGER,
    -- Not tried again before this (the vendor asked us to wait).
    next_attempt_at   INTEGER
) STRICT;

INSERT INTO operations_new (id, job_id, connection_id, kind, target_id, target_vendor_id, target_label,
        request, before, state, attempts, response, error_code, error_message, not_after,
        created_at, updated_at, finished_at, agent_names, claimed_by, claim_until, next_attempt_at)
    SELECT id, job_id, connection_id, kind, target_id, target_vendor_id, target_label,
        request, before, state, attempts, response, error_code, error_message, not_after,
        created_at, updated_at, finished_at, agent_names, claimed_by, claim_until, next_attempt_at
    FROM operations;

DROP TABLE operations;
ALTER TABLE operations_new RENAME TO operations;

-- A job's operations in order (a later one on the same target waits for the
-- earlier ones).
CREATE INDEX operations_job ON operations (job_id, id);
CREATE INDEX operations_created ON operations (created_at);
-- Small: only unfinished work, read at start-up to recover and by the queue.
CREATE INDEX operations_pending ON operations (state) WHERE state IN ('queued', 'sending', 'conflict', 'unknown');
CREATE INDEX operations_connection_id ON operations (connection_id, id);
CREATE INDEX operations_state_id ON operations (state, id);
CREATE INDEX operations_target_id ON operations (target_id, id);

CREATE TRIGGER operations_fts_insert AFTER INSERT ON operations BEGIN
    INSERT INTO operations_fts (rowid, target_label, agent_names, error_message)
        VALUES (new.id, new.target_label, new.agent_names, new.error_message);
END;

CREATE TRIGGER operations_fts_delete AFTER DELETE ON operations BEGIN
    INSERT INTO operations_fts (operations_fts, rowid, target_label, agent_names, error_message)
        VALUES ('delete', old.id, old.target_label, old.agent_names, old.error_message);
END;

CREATE TRIGGER operations_fts_update AFTER UPDATE OF target_label, agent_names, error_message ON operations
WHEN old.target_label IS NOT new.target_label OR old.agent_names IS NOT new.agent_names
  OR old.error_message IS NOT new.error_message
BEGIN
    INSERT INTO operations_fts (operations_fts, rowid, target_label, agent_names, error_message)
        VALUES ('delete', old.id, old.target_label, old.agent_names, old.error_message);
    INSERT INTO operations_fts (rowid, target_label, agent_names, error_message)
        VALUES (new.id, new.target_label, new.agent_names, new.error_message);
END;
