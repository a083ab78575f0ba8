CREATE TABLE comments (
    id bigserial PRIMARY KEY,
    post_id bigint NOT NULL REFERENCES posts (id),
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO comments (post_id, body) SELECT id, 'First!' FROM posts WHERE slug = 'hello-world';
