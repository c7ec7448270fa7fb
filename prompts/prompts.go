// Package prompts renders the text newsbot sends to a chat model.
//
// Every prompt is an embedded text/template (prompts/*.tmpl) filled from plain
// structs, so the package imports none of newsbot's own packages: the caller
// copies search results into [Source] values.
//
// # Citation numbers
//
// Answer and Digest number every paragraph they show, 1, 2, 3, … in the order
// the sources are given, and group the paragraphs of one [Source] under one
// article header:
//
//	--- Reuters · 2024-03-01 · "Lavrov calls for UN talks" (paragraphs 4-5) ---
//	[1] First paragraph shown …
//	[2] The paragraph after it …
//
//	--- BBC · 2024-03-02 · "Moscow proposes conference" (paragraph 2) ---
//	[3] …
//
// A merged source of several adjacent paragraphs therefore carries several
// numbers, and each number the model cites names exactly one paragraph. [Refs]
// returns the same numbering, so the caller can map a cited [n] back to its
// article and paragraph. The paragraph's own position in its article appears
// only in the header, never next to the text, so the model has one kind of
// number to copy.
//
// Summarize shows a single article and numbers its paragraphs by their
// position in the article ([Paragraph.N]); partial summaries of a long
// article then cite the same numbers, and Combine can merge them unchanged.
//
// Text inside sources is material, not instructions: it is flattened to one
// line per paragraph, and anything that looks like the prompt's own
// delimiters or citation labels is defused before rendering.
package prompts

import (
	"embed"
	"fmt"
	"strings"
	"text/template"
	"time"
)

// AbstainPhrase starts the reply a model gives when the sources do not answer
// the question. The prompts ask for it verbatim, in English, so code can tell
// an abstention from an answer whatever language the person wrote in.
const AbstainPhrase = "The articles don't cover"

// Roles of chat messages, as the OpenAI chat API spells them.
const (
	RoleSystem = "system"
	RoleUser   = "user"
)

// Message is one chat message for the model. It mirrors the OpenAI wire
// format without importing a client library.
type Message struct {
	Role    string
	Content string
}

// Source is what the model may read about one article: a header and one or
// more paragraphs, usually adjacent ones merged for context.
type Source struct {
	N          int // the source's place in the caller's list, 1-based; informational only
	Outlet     string
	Title      string
	Date       string // as the person should read it, e.g. "2024-03-01"
	URL        string // never shown to the model: the bot attaches links itself
	Paragraphs []Paragraph
}

// Paragraph is one paragraph of an article.
type Paragraph struct {
	N    int // position in its article, counting from 1
	Text string
}

// Turn is one earlier question and the answer the bot gave to it.
type Turn struct {
	Question string
	Answer   string
}

// Ref says which paragraph a citation number names.
type Ref struct {
	N         int // the citation number, 1-based
	Source    int // index into the sources slice, 0-based
	Paragraph int // Paragraph.N of that paragraph
}

//go:embed *.tmpl
var templateFS embed.FS

var templates = template.Must(template.New("prompts").Funcs(template.FuncMap{
	"material": material,
	"fence":    fence,
	"oneline":  oneline,
	"span":     span,
	"orElse":   orElse,
	"uncite":   uncite,
	"day":      day,
	"add":      func(a, b int) int { return a + b },
	"abstain":  func() string { return AbstainPhrase },
}).ParseFS(templateFS, "*.tmpl"))

// Refs lists the citation numbers Answer and Digest give the paragraphs of
// sources, in order: Refs(s)[k-1] is the paragraph that [k] names.
func Refs(sources []Source) []Ref {
	var refs []Ref
	for i, s := range sources {
		for _, p := range s.Paragraphs {
			refs = append(refs, Ref{N: len(refs) + 1, Source: i, Paragraph: p.N})
		}
	}
	return refs
}

// numberedSource is a Source with the citation number of each paragraph,
// ready for the "sources" template.
type numberedSource struct {
	Source
	Labels []int // Labels[i] is the number shown before Paragraphs[i]
}

// numbered assigns citation numbers: running numbers across all sources, or
// the article's own paragraph numbers when byParagraph is set.
func numbered(sources []Source, byParagraph bool) []numberedSource {
	out := make([]numberedSource, 0, len(sources))
	next := 1
	for _, s := range sources {
		ns := numberedSource{Source: s, Labels: make([]int, len(s.Paragraphs))}
		for i, p := range s.Paragraphs {
			if byParagraph {
				ns.Labels[i] = p.N
			} else {
				ns.Labels[i] = next
				next++
			}
		}
		out = append(out, ns)
	}
	return out
}

// render executes the named system and user templates with data.
func render(name string, data any) ([]Message, error) {
	var msgs []Message
	for _, role := range []string{RoleSystem, RoleUser} {
		var b strings.Builder
		if err := templates.ExecuteTemplate(&b, name+"."+role, data); err != nil {
			return nil, fmt.Errorf("render %s %s prompt: %w", name, role, err)
		}
		msgs = append(msgs, Message{Role: role, Content: tidy(b.String())})
	}
	return msgs, nil
}

// tidy trims the message and keeps at most one blank line in a row, so the
// templates can be laid out for reading without leaking their layout.
func tidy(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	out := lines[:0]
	blank := false
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// day formats a time as a reader would say the date, or "" for the zero time.
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("Monday, 2 January 2006")
}

// orElse returns s, or def when s is blank.
func orElse(def, s string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return material(s)
}

// checkSources reports a source without paragraphs, which would render an
// empty article header and waste the model's attention.
func checkSources(sources []Source) error {
	for i, s := range sources {
		if len(s.Paragraphs) == 0 {
			return fmt.Errorf("source %d (%q) has no paragraphs", i+1, s.Title)
		}
	}
	return nil
}
