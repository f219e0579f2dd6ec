-- The dashboards say which stretches came from a vendor's activity log: the
-- index their range reads are served from also carries each stretch's
-- source, so it still covers the read (no row is looked up).
DROP INDEX status_samples_finish;
CREATE INDEX status_samples_finish ON status_samples (
    coalesce(ended_at, last_seen_at), started_at, agent_id, status_vendor_id, status_name, source
);

-- Logins and pick-up times over a range read every event in it: the index they
-- are read by holds what they need (what happened, and the chat's or call's
-- id), so a week of a large tenant is read from the index alone.
DROP INDEX agent_activity_at;
CREATE INDEX agent_activity_at ON agent_activity (at, agent_id, activity, contact_id);
