-- A report is read from its envelope, the bytes the instance signed:
-- storing it a second time, as JSON of its own, added a third to every
-- row's bytes.
ALTER TABLE reports DROP COLUMN report;
