package discord

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/newsbot/newsbot/bot"
)

// answered is an answer the bot gave, kept for the buttons under it.
type answered struct {
	answer *bot.Answer
	asked  string // what was asked, as asked (for a summary, what of)
	kind   string // bot.KindQuestion, KindSummary or KindDigest
	scope  string
	header string // how the public answer opened
	at     time.Time
}

// answerCache keeps recent answers for their buttons. It is memory only:
// buttons under answers given before a restart say so when pressed.
type answerCache struct{ *lru[answered] }

func newAnswerCache(max int) *answerCache { return &answerCache{newLRU[answered](max)} }

// add stores a and returns the id its buttons carry.
func (c *answerCache) add(a answered) string {
	var b [8]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	c.put(id, a)
	return id
}

// keepTurns is how many turns of a conversation are kept for the next
// question.
const keepTurns = 6

// conversations keeps the last turns of the most recent conversations in
// memory, by channel (a thread) id: the default bot.TurnStore of one
// process.
type conversations struct{ *lru[[]bot.Turn] }

func newConversations(max int) *conversations { return &conversations{newLRU[[]bot.Turn](max)} }

// Turns implements bot.TurnStore.
func (c *conversations) Turns(_ context.Context, channel string) ([]bot.Turn, error) {
	h, _ := c.get(channel)
	return h, nil
}

// AddTurn implements bot.TurnStore.
func (c *conversations) AddTurn(_ context.Context, channel string, t bot.Turn, keep int) error {
	c.update(channel, func(h []bot.Turn) []bot.Turn {
		h = append(append([]bot.Turn(nil), h...), t)
		return h[max(0, len(h)-keep):]
	})
	return nil
}

// threads remembers the threads the bot started, so a message in one
// continues the conversation without a look-up. It is bounded: a thread
// forgotten here is still recognised from the state cache by its owner,
// as after a restart.
type threads struct{ *lru[struct{}] }

// maxThreads bounds the threads remembered; a new one pushes out the one
// least recently spoken in.
const maxThreads = 10000

func newThreads(max int) *threads { return &threads{newLRU[struct{}](max)} }

func (t *threads) add(id string) { t.put(id, struct{}{}) }

func (t *threads) has(id string) bool {
	_, ok := t.get(id)
	return ok
}
