-- The dashboards say which stretches came from a vendor's activity log: the
-- index their range reads are served from also carries each stretch's
-- source, so it still covers the read (no row is looked up).
DROP INDEX status_samples_finish;
CREATE INDEX status_samples_finish ON status_samples (
    coalesce(ended_at, last_seen_at), started_at, agent_id, status_vendor_id, status_name, source
);
