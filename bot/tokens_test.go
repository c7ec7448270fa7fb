package bot

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/pkoukk/tiktoken-go"

	"github.com/newsbot/newsbot/prompts"
)

func TestTokenEncoding(t *testing.T) {
	tests := []struct{ model, want string }{
		{"gpt-4o", "o200k_base"},
		{"gpt-4o-mini", "o200k_base"},
		{"gpt-4-0613", "cl100k_base"},
		{"gpt-3.5-turbo", "cl100k_base"},
		{"openai/gpt-4", "cl100k_base"},
		{"text-embedding-3-small", "cl100k_base"},
		{"gpt-5-mini", defaultEncoding},
		{"llama3.1:8b", defaultEncoding},
		{"gpt2", defaultEncoding}, // tiktoken names it but the offline loader lacks it
		{"", defaultEncoding},
	}
	for _, tt := range tests {
		if got := encodingFor(tt.model); got != tt.want {
			t.Errorf("encodingFor(%q) = %q, want %q", tt.model, got, tt.want)
		}
	}
}

func TestCountTokens(t *testing.T) {
	tok, err := newTokenizer("gpt-4o-mini")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want int
	}{
		{"", 0},
		{"hello world", 2},
		{"<|endoftext|>", 7}, // special tokens count as text, and must not panic
	}
	for _, tt := range tests {
		if got := tok.countTokens(tt.text); got != tt.want {
			t.Errorf("CountTokens(%q) = %d, want %d", tt.text, got, tt.want)
		}
	}
	if tok.Encoding() != "o200k_base" {
		t.Errorf("got encoding %q, want o200k_base", tok.Encoding())
	}
	msgs := []prompts.Message{{Role: "system", Content: "hello world"}, {Role: "user", Content: ""}}
	// 3 for the reply, and per message 3 + role + content.
	if got, want := tok.countMessages(msgs), 3+(3+1+2)+(3+1+0); got != want {
		t.Errorf("CountMessages = %d, want %d", got, want)
	}
	if got := tok.costs([]string{"hello world", ""}); got[0] != 2 || got[1] != 0 {
		t.Errorf("Costs = %v, want [2 0]", got)
	}
}

func TestTokenizerShared(t *testing.T) {
	var wg sync.WaitGroup
	toks := make([]*tokenizer, 8)
	for i := range toks {
		wg.Go(func() {
			tok, err := newTokenizer("gpt-4o")
			if err != nil {
				t.Error(err)
				return
			}
			toks[i] = tok
			tok.countTokens(strings.Repeat("Lavrov called for talks. ", 50))
		})
	}
	wg.Wait()
	for _, tok := range toks[1:] {
		if tok != nil && toks[0] != nil && tok.enc != toks[0].enc {
			t.Fatal("tokenizers for one encoding do not share the loaded encoder")
		}
	}
}

func TestBudgetContextWindow(t *testing.T) {
	tests := []struct {
		model string
		want  int
	}{
		{"gpt-4o-mini", 128_000},
		{"gpt-4-turbo-preview", 128_000},
		{"gpt-4-0613", 8_192},
		{"gpt-4.1-nano", 1_047_576},
		{"openai/gpt-3.5-turbo", 16_385},
		{"llama3.1:8b", 131_072},
		{"llama3:8b", 8_192},
		{"my-local-model", defaultContextWindow},
	}
	for _, tt := range tests {
		if got := contextWindow(tt.model); got != tt.want {
			t.Errorf("contextWindow(%q) = %d, want %d", tt.model, got, tt.want)
		}
	}
}

func TestBudget(t *testing.T) {
	tests := []struct {
		name   string
		budget budget
		fixed  int
		costs  []int
		want   int
	}{
		{"all fit", budget{Window: 1000, Reserve: 200}, 300, []int{100, 100, 100}, 3},
		{"exact fit", budget{Window: 1000, Reserve: 200}, 300, []int{250, 250}, 2},
		{"stops at first misfit", budget{Window: 1000, Reserve: 200}, 300, []int{100, 450, 10}, 1},
		{"fixed part too big", budget{Window: 1000, Reserve: 200}, 900, []int{1}, 0},
		{"default window", budget{Reserve: 384}, 0, []int{16_000, 1}, 1},
		{"no items", budget{Window: 10}, 0, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.budget.fit(tt.fixed, tt.costs); got != tt.want {
				t.Errorf("Fit = %d, want %d", got, tt.want)
			}
		})
	}
	if got := (budget{Window: 100, Reserve: 50}).available(80); got != 0 {
		t.Errorf("Available = %d, want 0, never negative", got)
	}
}

// The count cache answers as the encoder does, holds at most its size of
// texts, keeps a text that is used again and drops one that is not, and
// leaves huge texts out.
func TestCountCache(t *testing.T) {
	tok, err := newTokenizer("gpt-4o-mini")
	if err != nil {
		t.Fatal(err)
	}
	c := newCountCache(8)
	tok.counts = c // not the shared cache, which other tests fill
	text := func(i int) string { return fmt.Sprintf("Paragraph %d of the harbour board's report.", i) }
	for i := 1; i <= 12; i++ {
		for _, s := range []string{text(i), text(0)} {
			if got, want := tok.countTokens(s), tok.encode(s); got != want {
				t.Fatalf("countTokens(%q) = %d, the encoder counts %d", s, got, want)
			}
		}
	}
	if n := c.Len(); n > 8 {
		t.Errorf("the cache holds %d texts, want at most 8", n)
	}
	if !c.Contains(text(0)) {
		t.Error("a text counted all along was dropped")
	}
	if c.Contains(text(1)) {
		t.Error("a text not counted since the first round is still kept")
	}
	long := strings.Repeat("word ", countCacheMaxText/5+1)
	tok.countTokens(long)
	if c.Contains(long) {
		t.Error("a text longer than countCacheMaxText was kept")
	}
}

// BenchmarkLoadEncoding measures what newTokenizer's cache saves: parsing
// o200k_base from the embedded BPE file.
func BenchmarkLoadEncoding(b *testing.B) {
	useOfflineLoader()
	for b.Loop() {
		if _, err := tiktoken.GetEncoding("o200k_base"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCountTokens(b *testing.B) {
	tok, err := newTokenizer("gpt-4o")
	if err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat("Russian Foreign Minister Sergei Lavrov on Friday called for a United Nations conference on the war. ", 10)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		tok.encode(text) // the cache would answer countTokens after the first loop
	}
}
