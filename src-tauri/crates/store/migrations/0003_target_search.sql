-- Full-text search over targets (name, phone, email, vendor id), for finding a
-- customer among hundreds of thousands as the manager types.
CREATE VIRTUAL TABLE targets_fts USING fts5(
    name, phone, email, vendor_id,
    content = 'targets', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);

INSERT INTO targets_fts (rowid, name, phone, email, vendor_id)
    SELECT id, name, phone, email, vendor_id FROM targets;

CREATE TRIGGER targets_fts_insert AFTER INSERT ON targets BEGIN
    INSERT INTO targets_fts (rowid, name, phone, email, vendor_id)
        VALUES (new.id, new.name, new.phone, new.email, new.vendor_id);
END;

CREATE TRIGGER targets_fts_delete AFTER DELETE ON targets BEGIN
    INSERT INTO targets_fts (targets_fts, rowid, name, phone, email, vendor_id)
        VALUES ('delete', old.id, old.name, old.phone, old.email, old.vendor_id);
END;

-- Only when a searched column changes: a re-sync of unchanged rows costs nothing.
CREATE TRIGGER targets_fts_update AFTER UPDATE OF name, phone, email, vendor_id ON targets
WHEN old.name IS NOT new.name OR old.phone IS NOT new.phone OR old.email IS NOT new.email OR old.vendor_id IS NOT new.vendor_id
BEGIN
    INSERT INTO targets_fts (targets_fts, rowid, name, phone, email, vendor_id)
        VALUES ('delete', old.id, old.name, old.phone, old.email, old.vendor_id);
    INSERT INTO targets_fts (rowid, name, phone, email, vendor_id)
        VALUES (new.id, new.name, new.phone, new.email, new.vendor_id);
END;

CREATE INDEX targets_connection_activity ON targets (connection_id, last_activity_at);
CREATE INDEX targets_activity ON targets (last_activity_at);
