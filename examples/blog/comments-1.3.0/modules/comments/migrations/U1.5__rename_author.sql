ALTER TABLE comments RENAME COLUMN author_name TO author;
