package bot

import "github.com/newsbot/newsbot/retrieval/sentence"

// SentenceEnd returns where the sentence whose terminator starts at s[p]
// ends, or -1: the project's one sentence boundary (package
// retrieval/sentence), offered here because adapters import only bot. The
// Discord adapter cuts long messages where the core splits sentences.
func SentenceEnd(s string, p int) int { return sentence.End(s, p) }

// CitationLen returns the length of the citation marker ("[3]", or the
// markdown-escaped "\[3\]") at the start of s, or 0.
func CitationLen(s string) int { return sentence.CitationLen(s) }
