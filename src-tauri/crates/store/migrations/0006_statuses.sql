-- The status board: each tenant's statuses, when each connection's statuses were
-- last read, and quick access to every agent's current (open) status.

CREATE TABLE tenant_statuses (
    connection_id  TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    vendor_id      TEXT NOT NULL,
    name           TEXT NOT NULL,
    color          TEXT,
    system         INTEGER NOT NULL CHECK (system IN (0, 1)),
    offered        INTEGER NOT NULL CHECK (offered IN (0, 1)),
    synced_at      INTEGER NOT NULL,
    PRIMARY KEY (connection_id, vendor_id)
) STRICT;

CREATE TABLE status_polls (
    connection_id  TEXT PRIMARY KEY NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    -- The last time every agent's status was read.
    last_ok_at     INTEGER,
    agents         INTEGER NOT NULL DEFAULT 0,
    requests       INTEGER NOT NULL DEFAULT 0,
    took_ms        INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    last_error_at  INTEGER,
    -- Vendors that only say whether the team as a whole is online (HelpCrunch).
    team_online    INTEGER CHECK (team_online IN (0, 1))
) STRICT;

-- An agent has at most one open sample: its current status.
CREATE UNIQUE INDEX status_samples_open ON status_samples (agent_id) WHERE ended_at IS NULL;
