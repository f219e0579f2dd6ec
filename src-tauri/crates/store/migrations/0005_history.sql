-- History: every operation findable by connection, agent, person, target, state,
-- date and words, newest first, over millions of rows.

-- The agents' names as the manager saw them (JSON array), so history reads well
-- after an agent is gone, and words in it can be searched.
ALTER TABLE operations ADD COLUMN agent_names TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(agent_names));

-- Which cached agents an operation was for. No foreign key to agents: history
-- outlives an agent that a sync removes.
CREATE TABLE operation_agents (
    agent_id      INTEGER NOT NULL,
    operation_id  INTEGER NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
    PRIMARY KEY (agent_id, operation_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX operation_agents_operation ON operation_agents (operation_id);

INSERT OR IGNORE INTO operation_agents (agent_id, operation_id)
    SELECT a.id, o.id
    FROM operations o, json_each(o.request, '$.agents') j
    JOIN agents a ON a.connection_id = o.connection_id AND (a.vendor_id = j.value OR a.email = j.value);
UPDATE operations SET agent_names = (
    SELECT json_group_array(a.name) FROM operation_agents oa JOIN agents a ON a.id = oa.agent_id
    WHERE oa.operation_id = operations.id);

-- Pages are newest first by id: each filter's index ends with it.
DROP INDEX operations_connection_created;
CREATE INDEX operations_connection_id ON operations (connection_id, id);
CREATE INDEX operations_state_id ON operations (state, id);
CREATE INDEX operations_target_id ON operations (target_id, id);

CREATE VIRTUAL TABLE operations_fts USING fts5(
    target_label, agent_names, error_message,
    content = 'operations', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);
INSERT INTO operations_fts (rowid, target_label, agent_names, error_message)
    SELECT id, target_label, agent_names, error_message FROM operations;

CREATE TRIGGER operations_fts_insert AFTER INSERT ON operations BEGIN
    INSERT INTO operations_fts (rowid, target_label, agent_names, error_message)
        VALUES (new.id, new.target_label, new.agent_names, new.error_message);
END;

CREATE TRIGGER operations_fts_delete AFTER DELETE ON operations BEGIN
    INSERT INTO operations_fts (operations_fts, rowid, target_label, agent_names, error_message)
        VALUES ('delete', old.id, old.target_label, old.agent_names, old.error_message);
END;

-- Sending and finishing change the state on every operation: only a change of a
-- searched column rewrites its index entry.
CREATE TRIGGER operations_fts_update AFTER UPDATE OF target_label, agent_names, error_message ON operations
WHEN old.target_label IS NOT new.target_label OR old.agent_names IS NOT new.agent_names
  OR old.error_message IS NOT new.error_message
BEGIN
    INSERT INTO operations_fts (operations_fts, rowid, target_label, agent_names, error_message)
        VALUES ('delete', old.id, old.target_label, old.agent_names, old.error_message);
    INSERT INTO operations_fts (rowid, target_label, agent_names, error_message)
        VALUES (new.id, new.target_label, new.agent_names, new.error_message);
END;
