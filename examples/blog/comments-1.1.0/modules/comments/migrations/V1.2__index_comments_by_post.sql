-- blogops:allow index-not-concurrent: the sample's comments table holds a few rows; a big one would take CREATE INDEX CONCURRENTLY in a script of its own
CREATE INDEX comments_by_post ON comments (post_id, created_at);
