-- Refused on purpose in the demo: during a rolling deploy the release still live on the other hosts reads author.
ALTER TABLE comments RENAME COLUMN author TO author_name;
