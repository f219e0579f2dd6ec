-- Marks the file as Switchboard's ('SWBD'), so a check can tell when the page
-- holding the header was replaced by another database's (a WAL left beside a
-- file it does not belong to), and `file` can name it.
PRAGMA application_id = 1398227524;
