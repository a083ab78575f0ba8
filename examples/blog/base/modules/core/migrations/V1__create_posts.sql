CREATE TABLE posts (
    id bigserial PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    title text NOT NULL,
    body text NOT NULL DEFAULT '',
    published_at timestamptz
);
INSERT INTO posts (slug, title, body, published_at)
VALUES ('hello-world', 'Hello, world', 'The first post.', now());
