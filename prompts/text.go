package prompts

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// delimiterTag matches text that looks like one of the tags the templates use
// to fence material off from instructions.
var delimiterTag = regexp.MustCompile(`(?i)<\s*/?\s*(sources?|articles?|summar(?:y|ies)|partials?|conversation|question)\b[^<>]*>`)

// citationLike matches bracketed numbers such as [3], [1, 2] or [4-6] that a
// model could mistake for, or copy as, a citation label.
var citationLike = regexp.MustCompile(`[\[［【]\s*[0-9０-９]+(?:\s*[-–—,;]\s*[0-9０-９]+)*\s*[\]］】]`)

// rule matches a run of dashes that could pass for a source header's rule.
var rule = regexp.MustCompile(`-{3,}`)

// oneline collapses all runs of white space, newlines included, to one space.
func oneline(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// material prepares article text for a prompt: one line, no look-alikes of
// the prompt's delimiters, and bracketed numbers turned into parentheses so
// only the prompt's own labels read as citations.
func material(s string) string {
	s = oneline(s)
	s = rule.ReplaceAllString(s, "—")
	s = fence(s)
	return citationLike.ReplaceAllStringFunc(s, func(m string) string {
		_, first := utf8.DecodeRuneInString(m)
		_, last := utf8.DecodeLastRuneInString(m)
		return "(" + m[first:len(m)-last] + ")"
	})
}

// fence keeps text's lines, such as a bulleted partial summary, but defuses
// look-alikes of the prompt's delimiters.
func fence(s string) string {
	s = delimiterTag.ReplaceAllStringFunc(strings.TrimSpace(s), func(tag string) string {
		tag = strings.ReplaceAll(tag, "<", "‹")
		return strings.ReplaceAll(tag, ">", "›")
	})
	return s
}

// uncite removes citation markers from an earlier answer: their numbers named
// the sources of that answer, not of the prompt being built.
func uncite(s string) string {
	s = citationLike.ReplaceAllString(s, "")
	s = strings.ReplaceAll(s, " .", ".")
	s = strings.ReplaceAll(s, " ,", ",")
	return oneline(s)
}

// span describes which paragraphs of an article a source shows, for example
// "paragraph 4", "paragraphs 4-5" or "paragraphs 4-5, 9".
func span(ps []Paragraph) string {
	if len(ps) == 0 {
		return ""
	}
	var parts []string
	for i := 0; i < len(ps); {
		j := i
		for j+1 < len(ps) && ps[j+1].N == ps[j].N+1 {
			j++
		}
		if i == j {
			parts = append(parts, strconv.Itoa(ps[i].N))
		} else {
			parts = append(parts, strconv.Itoa(ps[i].N)+"-"+strconv.Itoa(ps[j].N))
		}
		i = j + 1
	}
	if len(ps) == 1 {
		return "paragraph " + parts[0]
	}
	return "paragraphs " + strings.Join(parts, ", ")
}
