ALTER TABLE comments DROP COLUMN author;
