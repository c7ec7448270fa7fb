package discord

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Shards are the Discord gateway shards one process runs: IDs out of
// Count. Discord sends each server's events to one shard, (guild_id >> 22)
// % Count, and direct messages to shard 0; a fleet of processes splits the
// ids among them, all with the same Count. The zero value is the whole bot
// on one connection (shard 0 of 1), as a bot in fewer than 2,500 servers
// runs.
type Shards struct {
	IDs   []int // ascending, each below Count
	Count int
	// Auto asks Discord for the count it recommends (GET /gateway/bot) and
	// runs every shard in this process; IDs and Count are then empty until
	// Resolve fills them.
	Auto bool
}

// ErrShards says what NEWSBOT_SHARDS takes; ParseShards wraps it.
var ErrShards = errors.New("shard ids and their count, such as 0-1/4 or 3/4 (each id below the count), or auto")

// ParseShards reads a shard set: "auto", or ids out of a count, the ids a
// comma-separated list of numbers and ranges ("0-1/4", "3/4", "0,2-3/8").
// An empty string is the whole bot on one connection.
func ParseShards(s string) (Shards, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Shards{}, nil
	case strings.EqualFold(s, "auto"):
		return Shards{Auto: true}, nil
	}
	list, count, ok := strings.Cut(s, "/")
	n, err := strconv.Atoi(strings.TrimSpace(count))
	if !ok || err != nil || n < 1 {
		return Shards{}, ErrShards
	}
	sh := Shards{Count: n}
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(strings.TrimSpace(lo))
		b, err2 := a, error(nil)
		if isRange {
			b, err2 = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err1 != nil || err2 != nil || a < 0 || b < a || b >= n {
			return Shards{}, ErrShards
		}
		for id := a; id <= b; id++ {
			sh.IDs = append(sh.IDs, id)
		}
	}
	slices.Sort(sh.IDs)
	sh.IDs = slices.Compact(sh.IDs)
	return sh, nil
}

// String writes the set as ParseShards reads it, ranges joined: "0-1/4".
func (sh Shards) String() string {
	if sh.Auto {
		return "auto"
	}
	if sh.Count == 0 {
		return "0/1"
	}
	var parts []string
	for i := 0; i < len(sh.IDs); {
		j := i
		for j+1 < len(sh.IDs) && sh.IDs[j+1] == sh.IDs[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(sh.IDs[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", sh.IDs[i], sh.IDs[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",") + "/" + strconv.Itoa(sh.Count)
}

// All reports whether the set is every shard of the bot, so this process
// hears every server.
func (sh Shards) All() bool { return sh.Count <= 1 || len(sh.IDs) == sh.Count }

// ids are the shard ids to connect, at least shard 0 of the whole bot.
func (sh Shards) ids() []int {
	if sh.Count == 0 {
		return []int{0}
	}
	return sh.IDs
}

// count is the shard count to identify with.
func (sh Shards) count() int { return max(sh.Count, 1) }

// ShardOf is the shard that Discord sends a server's events to among count
// shards: (guild_id >> 22) % count. Direct messages ("" or a guild id that
// is no snowflake) go to shard 0.
func ShardOf(guildID string, count int) int {
	id, err := strconv.ParseUint(guildID, 10, 64)
	if err != nil || count <= 1 {
		return 0
	}
	return int((id >> 22) % uint64(count))
}

// Holds reports whether this process runs the shard that hears guildID
// (a server's library scope): the servers whose articles it must be able
// to search and whose briefings it posts.
func (sh Shards) Holds(guildID string) bool {
	if sh.All() {
		return true
	}
	_, ok := slices.BinarySearch(sh.IDs, ShardOf(guildID, sh.Count))
	return ok
}

// registers reports whether this process registers the commands: the one
// that runs shard 0. Discord keeps commands per application, not per
// connection, so one process of a fleet writes them; shard 0 exists in
// every fleet, is held by exactly one process when the ids are split
// without overlap, and needs no database to agree on. A bulk overwrite is
// idempotent, so its restarts re-register harmlessly.
func (b *Bot) registers() bool {
	return slices.ContainsFunc(b.shards, func(s *discordgo.Session) bool { return s.ShardID == 0 })
}

// ResolveShards fills an Auto set from Discord's GET /gateway/bot: every
// shard of the count Discord recommends, all in this process. Other sets
// come back as they are.
func ResolveShards(ctx context.Context, token string, api *url.URL, sh Shards) (Shards, error) {
	if !sh.Auto {
		return sh, nil
	}
	s, err := NewSession(token, api)
	if err != nil {
		return sh, err
	}
	gw, err := s.GatewayBot(discordgo.WithContext(ctx))
	if err != nil {
		return sh, fmt.Errorf("ask Discord how many shards to run (NEWSBOT_SHARDS=auto): %w", openError(s, err))
	}
	n := max(gw.Shards, 1)
	out := Shards{Count: n}
	for id := range n {
		out.IDs = append(out.IDs, id)
	}
	return out, nil
}

// NewSessions returns one session per shard in sh, not yet open, each
// set up as NewSession sets one up and identifying as its shard.
func NewSessions(token string, api *url.URL, sh Shards) ([]*discordgo.Session, error) {
	if sh.Auto {
		return nil, errors.New("resolve NEWSBOT_SHARDS=auto first (ResolveShards)")
	}
	var out []*discordgo.Session
	for _, id := range sh.ids() {
		s, err := NewSession(token, api)
		if err != nil {
			return nil, err
		}
		s.ShardID, s.ShardCount = id, sh.count()
		out = append(out, s)
	}
	return out, nil
}

// identifyInterval is how often Discord lets a bot identify in one
// rate-limit bucket (shard id modulo max_concurrency).
const identifyInterval = 5 * time.Second

// openShards opens the sessions in order, waiting between two identifies
// in one of Discord's rate-limit buckets (max_concurrency, asked of Discord
// when there is more than one session or a fleet to take turns with), and
// taking the bucket's turn (Options.IdentifyTurn) for each. On error it
// closes what it opened.
func (b *Bot) openShards(ctx context.Context) error {
	concurrency := 1
	if len(b.shards) > 1 || b.opts.IdentifyTurn != nil {
		gw, err := b.s.GatewayBot(discordgo.WithContext(ctx))
		if err != nil {
			return openError(b.s, err)
		}
		concurrency = max(gw.SessionStartLimit.MaxConcurrency, 1)
	}
	last := map[int]time.Time{} // bucket → when its last identify went out
	for k, s := range b.shards {
		bucket := s.ShardID % concurrency
		if t, ok := last[bucket]; ok {
			select {
			case <-time.After(time.Until(t.Add(identifyInterval))):
			case <-ctx.Done():
				b.closeShards(b.shards[:k])
				return ctx.Err()
			}
		}
		identified := func() {}
		if b.opts.IdentifyTurn != nil {
			r, err := b.opts.IdentifyTurn(ctx, bucket, identifyInterval)
			if err != nil {
				b.closeShards(b.shards[:k])
				return err
			}
			identified = r
		}
		err := s.Open()
		// Counted from READY, after Discord got the identify. The turn ends
		// now: the fleet's next one waits out the interval by the time
		// recorded, so nothing here (a shutdown closing the database's
		// connections) waits for it.
		last[bucket] = time.Now()
		identified()
		if err != nil {
			b.closeShards(b.shards[:k])
			return openError(s, err)
		}
		if len(b.shards) > 1 {
			b.log.Info("shard connected", "shard", s.ShardID, "of", s.ShardCount)
		}
	}
	return nil
}

// closeShards closes sessions without reconnecting, all at once: each
// Close waits a second for the gateway to see the close frame.
func (b *Bot) closeShards(list []*discordgo.Session) {
	var wg sync.WaitGroup
	for _, s := range list {
		s.ShouldReconnectOnError = false
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Close(); err != nil {
				b.log.Warn("closing the Discord session", "shard", s.ShardID, "err", err)
			}
		}()
	}
	wg.Wait()
}

// stateChannel finds a channel in the state of whichever shard's session
// heard of it.
func (b *Bot) stateChannel(channelID string) (*discordgo.Channel, error) {
	var err error
	for _, s := range b.shards {
		var ch *discordgo.Channel
		if ch, err = s.State.Channel(channelID); err == nil {
			return ch, nil
		}
	}
	return nil, err
}
