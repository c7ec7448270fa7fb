package bot

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Vote is what a reader thinks of an answer.
type Vote string

// The votes a reader can give an answer.
const (
	VoteUp          Vote = "up"           // the answer is right and its sources hold it
	VoteDown        Vote = "down"         // the answer is wrong or no help
	VoteWrongSource Vote = "wrong_source" // a cited paragraph does not say what the answer claims
)

// Kinds of rated answers.
const (
	KindQuestion = "question" // an answer to a question
	KindSummary  = "summary"  // a summary of an article
	KindDigest   = "digest"   // a digest of a topic
	KindTimeline = "timeline" // a story's chronology
)

// RatedAnswer is an answer someone voted on: what was asked, what the bot
// said and cited, where and when, and every vote on it.
type RatedAnswer struct {
	// ID is the answer's id, which its buttons carry.
	ID    string `json:"id"`
	Scope string `json:"scope"`
	Kind  string `json:"kind"`
	// AskedAt is when the answer was given.
	AskedAt time.Time `json:"asked_at"`
	// Question is what was asked, as asked; Standalone is the question the
	// sources were searched for, when a follow-up was rewritten.
	Question   string `json:"question"`
	Standalone string `json:"standalone,omitempty"`
	Answer     string `json:"answer"`
	Mode       string `json:"mode"`
	Abstained  bool   `json:"abstained,omitempty"`
	// Citations are the paragraphs the answer cited, in its order.
	Citations []CitedParagraph `json:"citations"`
	// Votes holds each voter's last vote, in the order first given.
	Votes []VoteRecord `json:"votes"`
}

// CitedParagraph is one paragraph an answer cited.
type CitedParagraph struct {
	N         int    `json:"n"`
	ArticleID string `json:"article_id"`
	Paragraph int    `json:"paragraph"` // 1-based
	Title     string `json:"title,omitempty"`
	URL       string `json:"url,omitempty"`
}

// VoteRecord is one reader's vote. User is a keyed hash of the reader's id
// unless the installation keeps ids (FeedbackOptions.KeepUserIDs).
type VoteRecord struct {
	User string    `json:"user"`
	Vote Vote      `json:"vote"`
	At   time.Time `json:"at"`
}

// FeedbackStore keeps rated answers and their votes: files in the data
// folder (FeedbackFiles) by default.
type FeedbackStore interface {
	// AddVote stores v on the answer a, storing a itself with its first
	// vote; a later vote by the same user replaces theirs. It returns that
	// user's earlier vote, "" when there was none.
	AddVote(ctx context.Context, a RatedAnswer, v VoteRecord) (Vote, error)
	// RatedAnswers returns every rated answer, oldest first.
	RatedAnswers(ctx context.Context) ([]RatedAnswer, error)
	// Secret returns the installation's secret key for hashing user ids,
	// made at random on first use and kept; at least 32 bytes.
	Secret(ctx context.Context) ([]byte, error)
}

// FeedbackOptions tune Feedback. The zero value gives the defaults.
type FeedbackOptions struct {
	// KeepUserIDs stores voters' ids as given instead of keyed hashes.
	KeepUserIDs bool
	Now         func() time.Time
}

// Feedback records what readers think of answers, so that real questions
// and the paragraphs that answer them can grow the evaluation set. Voters
// are anonymous by default: their ids are stored as HMAC-SHA256 under a
// secret key of the installation, which tells one voter's votes apart (a
// second vote replaces the first) but can't be reversed by hashing known
// ids, as a plain hash could.
type Feedback struct {
	store FeedbackStore
	opts  FeedbackOptions

	mu  sync.Mutex
	key []byte
}

// NewFeedback returns Feedback kept in store.
func NewFeedback(store FeedbackStore, opts FeedbackOptions) *Feedback {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Feedback{store: store, opts: opts}
}

// Rating is one vote on an answer, as an adapter hears it.
type Rating struct {
	AnswerID string
	Scope    string
	Kind     string
	AskedAt  time.Time
	// Question is what was asked, as asked (for a summary, what was
	// summarized).
	Question string
	Answer   *Answer
	User     string
	Vote     Vote
}

// Rate stores a vote and returns the voter's earlier vote on that answer,
// "" when this is their first.
func (f *Feedback) Rate(ctx context.Context, r Rating) (Vote, error) {
	if !slices.Contains([]Vote{VoteUp, VoteDown, VoteWrongSource}, r.Vote) {
		return "", fmt.Errorf("rate answer %s: unknown vote %q", r.AnswerID, r.Vote)
	}
	if r.Answer == nil || r.AnswerID == "" || r.User == "" {
		return "", fmt.Errorf("rate answer %q: no answer or no voter", r.AnswerID)
	}
	user, err := f.voter(ctx, r.User)
	if err != nil {
		return "", err
	}
	a := RatedAnswer{
		ID: r.AnswerID, Scope: r.Scope, Kind: cmp.Or(r.Kind, KindQuestion), AskedAt: r.AskedAt.UTC(),
		Question: strings.TrimSpace(r.Question), Answer: r.Answer.Text, Mode: r.Answer.Mode, Abstained: r.Answer.Abstained,
		Citations: []CitedParagraph{},
	}
	if q := strings.TrimSpace(r.Answer.Question); q != "" && q != a.Question {
		a.Standalone = q
	}
	for _, c := range r.Answer.Citations {
		cp := CitedParagraph{N: c.N, Paragraph: c.Paragraph}
		if c.Article != nil {
			cp.ArticleID, cp.Title, cp.URL = c.Article.ID, c.Article.Title, c.Article.URL
		}
		a.Citations = append(a.Citations, cp)
	}
	prev, err := f.store.AddVote(ctx, a, VoteRecord{User: user, Vote: r.Vote, At: f.opts.Now().UTC()})
	if err != nil {
		return "", fmt.Errorf("rate answer %s: %w", r.AnswerID, err)
	}
	return prev, nil
}

// voter is how a voter is stored: a keyed hash of their id, or the id.
func (f *Feedback) voter(ctx context.Context, user string) (string, error) {
	if f.opts.KeepUserIDs {
		return user, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.key == nil {
		key, err := f.store.Secret(ctx)
		if err != nil {
			return "", fmt.Errorf("feedback secret: %w", err)
		}
		if len(key) < 32 {
			return "", fmt.Errorf("feedback secret: %d bytes, want at least 32", len(key))
		}
		f.key = key
	}
	return hashUser(f.key, user), nil
}

// hashUser is the anonymous form of a user id: HMAC-SHA256 under key, the
// first 16 bytes in hex.
func hashUser(key []byte, user string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(user))
	return hex.EncodeToString(m.Sum(nil)[:16])
}
