-- Daily briefings (bot/postgres): one row per server and day, which a
-- fleet's processes claim with SELECT … FOR UPDATE SKIP LOCKED, so that a
-- briefing is posted once however many processes find it due (the
-- protocol is in bot/briefings.go).

-- +goose Up
CREATE TABLE briefings (
    scope         text NOT NULL,                -- a Discord server id
    day           date NOT NULL,                -- in the server's time zone
    state         text NOT NULL DEFAULT '' CHECK (state IN ('', 'sent', 'empty', 'failed')),
    channel       text NOT NULL,                -- fixed by the first attempt
    since         timestamptz NOT NULL,         -- the period it covers,
    until         timestamptz NOT NULL,         --   fixed by the first attempt
    attempts      integer NOT NULL DEFAULT 0,
    first_attempt timestamptz NOT NULL,
    holder        text NOT NULL DEFAULT '',     -- the process posting it
    lease_until   timestamptz,                  -- until when others leave it
    message_id    text NOT NULL DEFAULT '',
    error         text NOT NULL DEFAULT '',
    done_at       timestamptz,
    PRIMARY KEY (scope, day)
);

-- +goose Down
DROP TABLE briefings;
