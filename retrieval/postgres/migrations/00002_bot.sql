-- The bot core's tables (bot/postgres): each server's settings, readers'
-- votes on answers, and the installation's secrets. They share the
-- library's database so a fleet shares them too.

-- +goose Up
-- Settings are one JSON document per scope (bot.Settings), so a feature
-- that adds a setting needs no migration; UpdateSettings changes a row
-- under FOR UPDATE, one writer at a time.
CREATE TABLE server_settings (
    scope      text PRIMARY KEY,             -- a Discord server id
    settings   jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- An answer someone voted on, stored with its first vote.
CREATE TABLE rated_answers (
    id         text PRIMARY KEY,             -- the id its buttons carry
    scope      text NOT NULL,
    kind       text NOT NULL,                -- question, summary, digest
    asked_at   timestamptz NOT NULL,
    question   text NOT NULL,                -- as asked
    standalone text NOT NULL DEFAULT '',     -- as searched, when rewritten
    answer     text NOT NULL,
    mode       text NOT NULL,                -- llm or extractive
    abstained  boolean NOT NULL DEFAULT false,
    citations  jsonb NOT NULL DEFAULT '[]'   -- [bot.CitedParagraph]
);
CREATE INDEX rated_answers_asked ON rated_answers (asked_at, id);

-- Each voter's last vote on an answer; voter is a keyed hash of the
-- Discord id unless the installation keeps ids.
CREATE TABLE answer_votes (
    answer_id text NOT NULL REFERENCES rated_answers ON DELETE CASCADE,
    voter     text NOT NULL,
    vote      text NOT NULL CHECK (vote IN ('up', 'down', 'wrong_source')),
    at        timestamptz NOT NULL,          -- when this vote was given
    first_at  timestamptz NOT NULL,          -- when the voter first voted: the votes' order
    PRIMARY KEY (answer_id, voter)
);

-- Secrets of the installation, made once for the whole fleet: the key
-- voters are hashed with.
CREATE TABLE installation_secrets (
    name  text PRIMARY KEY,
    value bytea NOT NULL
);

-- +goose Down
DROP TABLE installation_secrets;
DROP TABLE answer_votes;
DROP TABLE rated_answers;
DROP TABLE server_settings;
