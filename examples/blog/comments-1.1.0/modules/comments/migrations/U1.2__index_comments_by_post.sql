DROP INDEX comments_by_post;
