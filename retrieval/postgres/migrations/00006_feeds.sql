-- Followed feeds, conversation turns and the feeds' announcements
-- (bot/postgres), shared by a fleet: each feed is fetched once per
-- interval however many processes poll (a process claims the feeds that
-- are due with SELECT … FOR UPDATE SKIP LOCKED and a lease), a new article
-- is announced once per channel (the protocol is in bot/announce.go), and
-- any process can continue any conversation.

-- +goose Up
-- A feed is an address (bot.FeedKey) that one or more servers follow; it
-- is polled once for all of them.
CREATE TABLE feeds (
    key          text PRIMARY KEY,             -- bot.FeedKey of the address
    url          text NOT NULL,                -- as the first subscriber gave it
    next_poll_at timestamptz NOT NULL DEFAULT '-infinity',
    holder       text NOT NULL DEFAULT '',     -- the process polling it
    lease_until  timestamptz                   -- until when others leave it
);
CREATE INDEX feeds_due ON feeds (next_poll_at);

-- A server's subscription to a feed, with what the poller remembers of it.
CREATE TABLE feed_subscriptions (
    id            text PRIMARY KEY,
    seq           bigint GENERATED ALWAYS AS IDENTITY, -- the order they were added
    feed_key      text NOT NULL REFERENCES feeds,
    url           text NOT NULL,
    scope         text NOT NULL,               -- the library: a Discord server id
    channel       text NOT NULL DEFAULT '',    -- where new items are announced
    title         text NOT NULL DEFAULT '',
    added_by      text NOT NULL DEFAULT '',
    added_at      timestamptz NOT NULL,
    etag          text NOT NULL DEFAULT '',
    last_modified text NOT NULL DEFAULT '',
    last_checked  timestamptz,
    last_error    text NOT NULL DEFAULT '',
    seen          text[] NOT NULL DEFAULT '{}', -- item keys handled, oldest first
    UNIQUE (scope, feed_key)
);
CREATE INDEX feed_subscriptions_feed ON feed_subscriptions (feed_key);

-- One feed item's announcement in one channel.
CREATE TABLE feed_announcements (
    channel       text NOT NULL,
    item          text NOT NULL,               -- the item's key
    scope         text NOT NULL,
    subscription  text NOT NULL,
    state         text NOT NULL DEFAULT '' CHECK (state IN ('', 'sent', 'unchanged', 'failed')),
    attempts      integer NOT NULL DEFAULT 0,
    first_attempt timestamptz NOT NULL,
    holder        text NOT NULL DEFAULT '',
    lease_until   timestamptz,
    message_id    text NOT NULL DEFAULT '',
    error         text NOT NULL DEFAULT '',
    done_at       timestamptz,
    PRIMARY KEY (channel, item)
);
CREATE INDEX feed_announcements_done ON feed_announcements (done_at);

-- The last turns of each conversation (a Discord thread or channel).
CREATE TABLE conversation_turns (
    conversation text NOT NULL,
    n            bigint GENERATED ALWAYS AS IDENTITY,
    question     text NOT NULL,
    answer       text NOT NULL,
    at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation, n)
);
CREATE INDEX conversation_turns_at ON conversation_turns (at);

-- +goose Down
DROP TABLE conversation_turns;
DROP TABLE feed_announcements;
DROP TABLE feed_subscriptions;
DROP TABLE feeds;
