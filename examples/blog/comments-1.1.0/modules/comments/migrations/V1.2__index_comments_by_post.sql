CREATE INDEX comments_by_post ON comments (post_id, created_at);
