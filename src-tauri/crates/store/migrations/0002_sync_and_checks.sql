-- Sync runs and connection checks: when each connection last synced, what failed,
-- and whether the vendor was reachable, kept per attempt so health can be charted.

CREATE TABLE sync_runs (
    id              INTEGER PRIMARY KEY,
    connection_id   TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    mode            TEXT NOT NULL CHECK (mode IN ('full', 'incremental')),
    state           TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed', 'cancelled')),
    started_at      INTEGER NOT NULL,
    finished_at     INTEGER,
    agents          INTEGER NOT NULL DEFAULT 0,
    teams           INTEGER NOT NULL DEFAULT 0,
    targets         INTEGER NOT NULL DEFAULT 0,
    -- The newest vendor time seen (last message, update): where the next
    -- incremental sync starts.
    high_water      INTEGER,
    error_code      TEXT,
    error_message   TEXT
) STRICT;
CREATE INDEX sync_runs_connection ON sync_runs (connection_id, started_at);

CREATE TABLE connection_checks (
    id              INTEGER PRIMARY KEY,
    connection_id   TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    at              INTEGER NOT NULL,
    -- ok, or the error's code: unauthorized, not_found, unreachable, tls, timeout, ...
    outcome         TEXT NOT NULL,
    message         TEXT NOT NULL,
    latency_ms      INTEGER
) STRICT;
CREATE INDEX connection_checks_connection ON connection_checks (connection_id, at);
