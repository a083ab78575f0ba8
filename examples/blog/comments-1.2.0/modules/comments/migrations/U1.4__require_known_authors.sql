ALTER TABLE comments DROP CONSTRAINT comments_author_known;
