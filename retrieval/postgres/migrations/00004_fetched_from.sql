-- Where each article's text was read from (retrieval.Article.FetchedFrom):
-- the address fetched after redirects, the feed's address, or
-- "file:NAME". Empty for articles stored before it was recorded.

-- +goose Up
ALTER TABLE articles ADD COLUMN fetched_from text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE articles DROP COLUMN fetched_from;
