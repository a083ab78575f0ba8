ALTER TABLE comments ADD COLUMN author text NOT NULL DEFAULT 'anonymous';
