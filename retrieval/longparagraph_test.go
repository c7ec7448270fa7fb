package retrieval

import (
	"fmt"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/retrieval/sentence"
)

// transcript is one paragraph of n numbered sentences, each about 90 bytes.
func transcript(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "Speaker %d said the council would meet again on Tuesday to discuss the budget. ", i)
		b.WriteString(`"We are not there yet," she added.`)
	}
	return b.String()
}

func TestSplitLong(t *testing.T) {
	long := transcript(400) // about 50 kB
	tests := []struct {
		name      string
		in        []string
		wantParts int
		sentences bool // every part ends a sentence
	}{
		{"short paragraphs are kept", []string{"One.", "Two."}, 2, true},
		{"a 50 kB paragraph becomes three", []string{"Intro.", long, "Outro."}, 5, true},
		{"just over the limit becomes two", []string{transcript(200)[:MaxParagraphBytes+500]}, 2, false},
		{"no sentence ends: cut at spaces", []string{strings.Repeat("word ", 9000)}, 3, false},
		{"no spaces: cut between characters", []string{strings.Repeat("é", 15000)}, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SplitLong(tt.in)
			if len(got) != tt.wantParts {
				t.Fatalf("got %d paragraphs, want %d", len(got), tt.wantParts)
			}
			a := &Article{ID: "x", Scope: GlobalScope, Title: "T", Paragraphs: got}
			if err := a.Validate(); err != nil {
				t.Fatalf("parts do not validate: %v", err)
			}
			if noSpace(strings.Join(got, "")) != noSpace(strings.Join(tt.in, "")) {
				t.Error("text changed: the parts are not the paragraph")
			}
			if tt.sentences {
				for i, p := range got {
					if !sentence.Complete(p) {
						t.Errorf("part %d ends mid-sentence: …%q", i+1, p[max(0, len(p)-40):])
					}
				}
			}
		})
	}
	// Parts are about equal, not one full part and a stub.
	parts := SplitLong([]string{long})
	for _, p := range parts {
		if len(p) < len(long)/len(parts)*3/4 {
			t.Errorf("part of %d bytes in a split of %d bytes into %d", len(p), len(long), len(parts))
		}
	}
}

// An over-long paragraph in a pasted article is split, not refused.
func TestImportSplitsLongParagraphs(t *testing.T) {
	text := "Council Agrees Budget After Marathon Session\n\n" + transcript(400) + "\n\nThe budget takes effect in April.\n"
	a, err := ImportText([]byte(text), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Paragraphs) != 4 || a.Paragraphs[3] != "The budget takes effect in April." {
		t.Errorf("got %d paragraphs, want 3 parts and the last one", len(a.Paragraphs))
	}
	front := "---\ntitle: Council Agrees Budget\n---\n\n" + transcript(300) + "\n"
	if a, err := ImportFile("x.md", []byte(front)); err != nil || len(a.Paragraphs) != 2 {
		t.Errorf("front matter file: %v", err)
	}
}

func noSpace(s string) string { return strings.Join(strings.Fields(s), "") }
