ALTER TABLE comments DROP COLUMN status;
