-- A job is worked by one Switchboard at a time (the window, or a command): the
-- one holding its lease, renewed while it runs. A lease whose holder has ended
-- (its claims lock is free) or that lapsed is taken over.
ALTER TABLE jobs ADD COLUMN leased_by TEXT;
ALTER TABLE jobs ADD COLUMN lease_until INTEGER;

-- A bulk job holds thousands of operations: its state is counted off an index,
-- and an operation's claim looks for earlier ones on the same target only.
CREATE INDEX operations_job_state ON operations (job_id, state);
CREATE INDEX operations_job_target ON operations (job_id, target_id, id);
