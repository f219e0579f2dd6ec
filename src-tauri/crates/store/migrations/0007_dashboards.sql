-- Dashboards: recent vendor calls for the health panel, and the indexes the
-- status and workload charts read by.

CREATE TABLE vendor_calls (
    id             INTEGER PRIMARY KEY,
    connection_id  TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    at             INTEGER NOT NULL,
    -- The HTTP status; NULL when no answer came (network, TLS, timeout).
    status         INTEGER,
    took_ms        INTEGER NOT NULL
) STRICT;
CREATE INDEX vendor_calls_connection_at ON vendor_calls (connection_id, at);

-- Samples by when they stop being known, so a range query reads only the
-- samples that reach into it; it holds every column the dashboards read, so a
-- week of everyone's statuses is read from the index alone.
CREATE INDEX status_samples_finish ON status_samples (
    coalesce(ended_at, last_seen_at), started_at, agent_id, status_vendor_id, status_name
);

-- Assignments by expiry (Pingup's dt_until), for "expiring soon".
CREATE INDEX assignments_until ON assignments (until) WHERE until IS NOT NULL;
