-- Fails on purpose in the demo: the comment from 1.0.0 has no known author.
ALTER TABLE comments ADD CONSTRAINT comments_author_known CHECK (author <> 'anonymous');
