-- On Pingup a cover's assignments can end with the cover (`dt_until`), so the
-- vendor takes them back even if no Switchboard runs at the end. The expiry
-- each target had before is kept, by target id, to give it back at hand-back.
ALTER TABLE covers ADD COLUMN pingup_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE covers ADD COLUMN kept_until TEXT NOT NULL DEFAULT '{}';
