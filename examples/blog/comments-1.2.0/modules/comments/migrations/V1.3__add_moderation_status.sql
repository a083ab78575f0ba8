ALTER TABLE comments ADD COLUMN status text NOT NULL DEFAULT 'visible';
