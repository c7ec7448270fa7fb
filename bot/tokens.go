package bot

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/pkoukk/tiktoken-go"
	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"

	"github.com/newsbot/newsbot/prompts"
)

// defaultEncoding is the tokenizer for model names tiktoken does not know:
// the one of OpenAI's current models, and close enough for others.
const defaultEncoding = "o200k_base"

// defaultContextWindow is the window assumed for models missing from the
// table in contextWindow. Local servers often run smaller windows than the
// model supports; configure budget.Window for them.
const defaultContextWindow = 16_384

// Token costs of the chat format, from OpenAI's guide to counting tokens:
// every message costs a few tokens beyond its text, and the reply is primed
// with a few more.
const (
	tokensPerMessage = 3
	tokensPerReply   = 3
)

// tokenizer counts tokens the way a model does, to decide how many sources
// fit in a prompt. It is safe for concurrent use.
type tokenizer struct {
	enc      *tiktoken.Tiktoken
	encoding string
	counts   countCache // shared by the tokenizers of one encoding
}

// encoders caches one parsed encoding per name: loading o200k_base from
// the embedded file takes about 0.25 s on a quiet 2-core machine and
// 0.7 s or more on a busy one (BenchmarkLoadEncoding), while counting the
// tokens of a paragraph afterwards takes well under a millisecond.
var encoders sync.Map // encoding name → *encoderEntry

type encoderEntry struct {
	once   sync.Once
	enc    *tiktoken.Tiktoken
	err    error
	counts countCache
}

// newTokenizer returns the tokenizer of model; names tiktoken does not
// know get defaultEncoding. The first call for an encoding loads it from
// data compiled into the binary, with no network; later calls reuse it.
func newTokenizer(model string) (*tokenizer, error) {
	name := encodingFor(model)
	e, _ := encoders.LoadOrStore(name, &encoderEntry{})
	entry := e.(*encoderEntry)
	entry.once.Do(func() {
		useOfflineLoader()
		entry.enc, entry.err = tiktoken.GetEncoding(name)
		entry.counts = newCountCache(countCacheSize)
	})
	if entry.err != nil {
		return nil, fmt.Errorf("load tokenizer %s: %w", name, entry.err)
	}
	return &tokenizer{enc: entry.enc, encoding: name, counts: entry.counts}, nil
}

var loaderOnce sync.Once

// useOfflineLoader makes tiktoken read its BPE files from the embedded
// copies instead of downloading them.
func useOfflineLoader() {
	loaderOnce.Do(func() { tiktoken.SetBpeLoader(tiktoken_loader.NewOfflineLoader()) })
}

// encodingFor names the encoding of model. Provider prefixes such as
// "openai/" are ignored.
func encodingFor(model string) string {
	if i := strings.LastIndexByte(model, '/'); i >= 0 {
		model = model[i+1:]
	}
	model = strings.ToLower(model)
	if name, ok := tiktoken.MODEL_TO_ENCODING[model]; ok && supportedEncoding(name) {
		return name
	}
	// Longest prefix first: "gpt-4o-" must win over "gpt-4-".
	prefixes := make([]string, 0, len(tiktoken.MODEL_PREFIX_TO_ENCODING))
	for p := range tiktoken.MODEL_PREFIX_TO_ENCODING {
		prefixes = append(prefixes, p)
	}
	slices.SortFunc(prefixes, func(a, b string) int { return len(b) - len(a) })
	for _, p := range prefixes {
		if strings.HasPrefix(model, p) {
			if name := tiktoken.MODEL_PREFIX_TO_ENCODING[p]; supportedEncoding(name) {
				return name
			}
		}
	}
	return defaultEncoding
}

// supportedEncoding reports whether the offline loader ships name.
func supportedEncoding(name string) bool {
	switch name {
	case "o200k_base", "cl100k_base", "p50k_base", "p50k_edit", "r50k_base":
		return true
	}
	return false
}

// Encoding names the tokenizer's encoding, e.g. "o200k_base".
func (t *tokenizer) Encoding() string { return t.encoding }

// countTokens returns the number of tokens in text. Special tokens such as
// <|endoftext|> count as plain text, as they do when sent in a message.
func (t *tokenizer) countTokens(text string) int {
	if text == "" {
		return 0
	}
	if n, ok := t.counts.Get(text); ok {
		return n
	}
	n := t.encode(text)
	t.counts.put(text, n)
	return n
}

// encode counts text's tokens without the cache.
func (t *tokenizer) encode(text string) int { return len(t.enc.EncodeOrdinary(text)) }

// countCacheSize bounds each encoding's countCache, in texts.
const countCacheSize = 8192

// countCacheMaxText is the longest text countCache keeps: prompts' parts
// and paragraphs are far shorter, and one huge text should not pin memory.
const countCacheMaxText = 16 << 10

// countCache remembers the token counts of recently counted texts: the
// instructions that open every prompt and the paragraphs that keep coming
// back in a server's questions are counted once instead of for every
// question, and counting a paragraph costs more than the search that found
// it.
type countCache struct{ *lru.Cache[string, int] }

func newCountCache(size int) countCache {
	c, err := lru.New[string, int](size)
	if err != nil {
		panic(err) // only for a size below one
	}
	return countCache{c}
}

func (c countCache) put(text string, n int) {
	if len(text) <= countCacheMaxText {
		c.Add(text, n)
	}
}

// countMessages returns the prompt tokens msgs cost, including the chat
// format's overhead per message and for priming the reply.
func (t *tokenizer) countMessages(msgs []prompts.Message) int {
	n := tokensPerReply
	for _, m := range msgs {
		n += tokensPerMessage + t.countTokens(m.Role) + t.countTokens(m.Content)
	}
	return n
}

// costs returns the token count of each text, for budget.Fit.
func (t *tokenizer) costs(texts []string) []int {
	costs := make([]int, len(texts))
	for i, s := range texts {
		costs[i] = t.countTokens(s)
	}
	return costs
}

// contextWindows lists the context windows of models by name prefix; the
// longest matching prefix wins.
var contextWindows = map[string]int{
	"gpt-5":         400_000,
	"gpt-4.1":       1_047_576,
	"gpt-4o":        128_000,
	"gpt-4-turbo":   128_000,
	"gpt-4-32k":     32_768,
	"gpt-4":         8_192,
	"gpt-3.5-turbo": 16_385,
	"o1":            200_000,
	"o3":            200_000,
	"o4-mini":       200_000,
	"llama3.1":      131_072,
	"llama3.2":      131_072,
	"llama3":        8_192,
	"mistral":       32_768,
	"qwen2.5":       32_768,
	"gemma2":        8_192,
}

// contextWindow returns the context window of model in tokens, prompt and
// reply together, or defaultContextWindow for a model it does not know.
func contextWindow(model string) int {
	if i := strings.LastIndexByte(model, '/'); i >= 0 {
		model = model[i+1:]
	}
	model = strings.ToLower(model)
	best, window := "", defaultContextWindow
	for prefix, w := range contextWindows {
		if strings.HasPrefix(model, prefix) && len(prefix) > len(best) {
			best, window = prefix, w
		}
	}
	return window
}

// budget decides how much material fits in a prompt: the model's window
// less a reserve for the answer.
type budget struct {
	// Window is the model's context window in tokens; zero means
	// defaultContextWindow. Use contextWindow(model) or configuration.
	Window int
	// Reserve is kept free for the answer.
	Reserve int
}

// available returns the tokens left for material once fixed tokens (system
// prompt, question, history) are spent; never negative.
func (b budget) available(fixed int) int {
	window := b.Window
	if window <= 0 {
		window = defaultContextWindow
	}
	return max(window-b.Reserve-fixed, 0)
}

// fit returns how many of the items, given by token cost in priority order,
// fit beside fixed tokens: the length of the longest prefix that fits.
// Items are taken in order, so a large item is not skipped in favour of
// smaller, less relevant ones behind it.
func (b budget) fit(fixed int, costs []int) int {
	left := b.available(fixed)
	for i, c := range costs {
		if c > left {
			return i
		}
		left -= c
	}
	return len(costs)
}
