-- An operator asks an instance for its package list; cleared when a
-- report carrying the list is stored.
ALTER TABLE instances ADD COLUMN packages_requested BIGINT NOT NULL DEFAULT 0;
