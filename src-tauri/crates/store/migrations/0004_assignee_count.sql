-- How many assignees each target has, kept by triggers, so "unassigned" is an
-- index lookup rather than a probe of assignments per target.
ALTER TABLE targets ADD COLUMN assignee_count INTEGER NOT NULL DEFAULT 0;

UPDATE targets SET assignee_count = (SELECT count(*) FROM assignments WHERE assignments.target_id = targets.id);

CREATE TRIGGER assignments_count_insert AFTER INSERT ON assignments BEGIN
    UPDATE targets SET assignee_count = assignee_count + 1 WHERE id = new.target_id;
END;

CREATE TRIGGER assignments_count_delete AFTER DELETE ON assignments BEGIN
    UPDATE targets SET assignee_count = assignee_count - 1 WHERE id = old.target_id;
END;

CREATE INDEX targets_unassigned ON targets (last_activity_at) WHERE assignee_count = 0;
