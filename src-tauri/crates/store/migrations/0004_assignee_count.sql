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

-- The Targets view's order, "most recent first, then by id", entirely in each
-- index, so a page is read straight off it with no sort.
DROP INDEX targets_activity;
DROP INDEX targets_connection_activity;
CREATE INDEX targets_activity ON targets (last_activity_at DESC, id);
CREATE INDEX targets_connection_activity ON targets (connection_id, last_activity_at DESC, id);
CREATE INDEX targets_unassigned ON targets (last_activity_at DESC, id) WHERE assignee_count = 0;

-- Each agent's number of assignments, kept the same way, for the People and
-- Agents views.
ALTER TABLE agents ADD COLUMN assignment_count INTEGER NOT NULL DEFAULT 0;

UPDATE agents SET assignment_count = (SELECT count(*) FROM assignments WHERE assignments.agent_id = agents.id);

CREATE TRIGGER assignments_agent_count_insert AFTER INSERT ON assignments WHEN new.agent_id IS NOT NULL BEGIN
    UPDATE agents SET assignment_count = assignment_count + 1 WHERE id = new.agent_id;
END;

CREATE TRIGGER assignments_agent_count_delete AFTER DELETE ON assignments WHEN old.agent_id IS NOT NULL BEGIN
    UPDATE agents SET assignment_count = assignment_count - 1 WHERE id = old.agent_id;
END;

CREATE TRIGGER assignments_agent_count_update AFTER UPDATE OF agent_id ON assignments
WHEN old.agent_id IS NOT new.agent_id
BEGIN
    UPDATE agents SET assignment_count = assignment_count - 1 WHERE id = old.agent_id;
    UPDATE agents SET assignment_count = assignment_count + 1 WHERE id = new.agent_id;
END;
