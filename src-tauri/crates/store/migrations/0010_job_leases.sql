-- A job is worked by one Switchboard at a time (the window, or a command): the
-- one holding its lease, renewed while it runs. A lease whose holder has ended
-- (its claims lock is free) or that lapsed is taken over.
ALTER TABLE jobs ADD COLUMN leased_by TEXT;
ALTER TABLE jobs ADD COLUMN lease_until INTEGER;
