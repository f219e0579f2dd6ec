-- What a cover's steps left as it was, and why (no agent of the cover on that
-- platform; changed by someone else meanwhile; gone): a JSON array of
-- {step, target, reason}, kept with the cover for the Covers view.
ALTER TABLE covers ADD COLUMN skipped TEXT NOT NULL DEFAULT '[]';
