-- When each of Discord's identify rate-limit buckets (shard id modulo
-- max_concurrency) last identified, for the whole fleet (bot/postgres
-- IdentifyTurn): a process waits until five seconds after it before it
-- identifies, so none has to hold the bucket's turn for five seconds
-- after its own identify, nor make its shutdown wait for that.

-- +goose Up
CREATE TABLE identify_turns (
    bucket        integer PRIMARY KEY,
    identified_at timestamptz NOT NULL       -- the server's clock
);

-- +goose Down
DROP TABLE identify_turns;
