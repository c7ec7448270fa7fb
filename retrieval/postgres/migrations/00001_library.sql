-- The library: articles, their paragraphs with the analyzed words BM25
-- needs, vectors by paragraph text and embedder, and the change log that
-- keeps every process's in-memory index current.

-- +goose Up
CREATE TABLE articles (
    id           text PRIMARY KEY,
    scope        text NOT NULL,                -- 'global' or a Discord server id
    title        text NOT NULL,
    url          text NOT NULL DEFAULT '',
    source       text NOT NULL DEFAULT '',
    author       text NOT NULL DEFAULT '',
    published_at timestamptz,
    loaded_at    timestamptz NOT NULL,
    content_hash text NOT NULL,                -- retrieval.ContentHash: finds re-imported text without a URL
    analyzer     text NOT NULL,                -- retrieval.AnalyzerVersion of its paragraphs' terms
    changed_seq  bigint NOT NULL DEFAULT 0     -- the change that wrote this version
);
-- One article per URL in a scope: concurrent loads of one URL update one row.
CREATE UNIQUE INDEX articles_scope_url ON articles (scope, url) WHERE url <> '';
CREATE INDEX articles_scope_hash ON articles (scope, content_hash);

CREATE TABLE paragraphs (
    article_id text NOT NULL REFERENCES articles ON DELETE CASCADE,
    n          integer NOT NULL,               -- 1-based, as a reader counts
    text       text NOT NULL,
    hash       bytea NOT NULL,                 -- 16 bytes of SHA-256 of text: the key of its vectors
    terms      bytea NOT NULL,                 -- retrieval.AnalyzeParagraph(text)
    PRIMARY KEY (article_id, n)
);

-- An embedder's identity: vectors of different embedders never mix.
CREATE TABLE embedders (
    id         serial PRIMARY KEY,
    provider   text NOT NULL,
    model      text NOT NULL,
    dimensions integer NOT NULL,
    UNIQUE (provider, model, dimensions)
);

-- Vectors by paragraph text: a text is embedded once per embedder for the
-- whole fleet. A row whose vector is NULL is being embedded by the
-- transaction that inserted it, and is never committed so.
CREATE TABLE embeddings (
    embedder_id integer NOT NULL REFERENCES embedders,
    hash        bytea NOT NULL,
    vector      bytea,                          -- little-endian float32s
    PRIMARY KEY (embedder_id, hash)
);
ALTER TABLE embeddings ALTER COLUMN vector SET STORAGE EXTERNAL; -- floats do not compress

-- The change log. Writers append under one advisory lock held to commit,
-- so sequence numbers become visible in order: a reader that has seen seq
-- has seen every change before it.
CREATE TABLE changes (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id text NOT NULL,
    scope      text NOT NULL,
    op         text NOT NULL CHECK (op IN ('put', 'delete')),
    at         timestamptz NOT NULL DEFAULT now()
);

-- Changes up to seq were pruned: a process that has seen less reloads.
CREATE TABLE change_horizon (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq bigint NOT NULL
);
INSERT INTO change_horizon (seq) VALUES (0);

-- +goose Down
DROP TABLE change_horizon;
DROP TABLE changes;
DROP TABLE embeddings;
DROP TABLE embedders;
DROP TABLE paragraphs;
DROP TABLE articles;
