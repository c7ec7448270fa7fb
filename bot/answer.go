package bot

import (
	"fmt"
	"strings"
	"time"

	"github.com/newsbot/newsbot/retrieval"
)

// How an answer was made.
const (
	ModeLLM        = "llm"        // written by the chat model from the sources
	ModeExtractive = "extractive" // sentences quoted from the sources
)

// Answer is what the bot says to a question or a summary request.
type Answer struct {
	// Text is the answer; [n] markers name Citations[n-1].
	Text string
	// Mode is ModeLLM or ModeExtractive.
	Mode string
	// Abstained is set when the articles don't answer the question.
	Abstained bool
	// Citations are the paragraphs the answer cites, numbered from 1.
	Citations []Citation
	// Uncited holds sentences that claim something without a citation.
	Uncited []string
	// Closest lists the articles that came closest when nothing in the
	// library was relevant enough to answer from.
	Closest []*retrieval.Article
	// Question is the stand-alone question the sources were retrieved for;
	// a follow-up is rewritten with the conversation before retrieval.
	Question string
	// AsOf is the moment the question was read against ("this week" is
	// the week before it).
	AsOf time.Time
}

// Citation is one cited paragraph.
type Citation struct {
	N         int
	Article   *retrieval.Article
	Paragraph int    // 1-based
	Quote     string // the paragraph's text
	// Link opens the article scrolled to the paragraph (a text fragment);
	// empty when the article has no URL.
	Link string
}

// Label is how a citation reads in a list of sources:
// "Outlet — Headline (2 Jan 2006), ¶4".
func (c Citation) Label() string {
	var b strings.Builder
	if c.Article.Source != "" {
		b.WriteString(c.Article.Source)
		b.WriteString(" — ")
	}
	b.WriteString(c.Article.Title)
	if !c.Article.PublishedAt.IsZero() {
		b.WriteString(" (")
		b.WriteString(c.Article.PublishedAt.Format("2 Jan 2006"))
		b.WriteString(")")
	}
	fmt.Fprintf(&b, ", ¶%d", c.Paragraph)
	return b.String()
}

func newCitation(n int, a *retrieval.Article, paragraph int) Citation {
	text := a.Paragraphs[paragraph-1]
	return Citation{N: n, Article: a, Paragraph: paragraph, Quote: text, Link: DeepLink(a.URL, text)}
}

// DeepLink returns rawURL with a text fragment that makes a browser scroll to
// and highlight paragraph: its first words to its last words. It returns ""
// when rawURL is empty.
func DeepLink(rawURL, paragraph string) string {
	if rawURL == "" {
		return ""
	}
	words := strings.Fields(paragraph)
	var directive string
	switch {
	case len(words) == 0:
		return rawURL
	case len(words) <= 8:
		directive = fragmentEscape(strings.Join(words, " "))
	default:
		directive = fragmentEscape(strings.Join(words[:5], " ")) + "," + fragmentEscape(strings.Join(words[len(words)-3:], " "))
	}
	base, frag, _ := strings.Cut(rawURL, "#")
	frag, _, _ = strings.Cut(frag, ":~:")
	return base + "#" + frag + ":~:text=" + directive
}

// fragmentEscape percent-encodes s for a text directive, where "-", "," and
// "&" have meanings of their own.
func fragmentEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
