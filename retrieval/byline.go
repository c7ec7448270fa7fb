package retrieval

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Bylines and date lines, as they stand near the top of an article pasted
// from a web page:
//
//	By Maria Keller, Reuters
//	By Maria Keller and Tom Hale | December 14, 2023
//	December 14, 2023
//	Published 5:02 a.m. ET Dec. 14, 2023 | Updated 7:10 a.m. ET Dec. 14, 2023
//	Updated 10:32 AM EST, Thu December 14, 2023
//
// A line is one of them only when all of it is: "By the end of the day …"
// is no byline, and a sentence that names a date is no date line.

var (
	bylineStart = regexp.MustCompile(`^(?i:(?:written |words |story |reporting )?by)[:\s]\s*`)
	month       = `(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)`
	dateForms   = []*regexp.Regexp{
		regexp.MustCompile(`\b(` + month + `)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b`),  // December 14, 2023
		regexp.MustCompile(`\b(\d{1,2})(?:st|nd|rd|th)?\s+(` + month + `)\.?,?\s+(\d{4})\b`),  // 14 December 2023
		regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?\b`), // 2023-12-14
		regexp.MustCompile(`\b(\d{1,2})/(\d{1,2})/(\d{4})\b`),                                 // 14/12/2023 or 12/14/2023
	}
	// dateNoise is what a date line may hold besides the date itself.
	dateNoise = regexp.MustCompile(`(?i)\b(?:published|updated|posted|last|modified|first|date[ds]?|on|at|` +
		`mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:rs|rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?|` +
		`\d{1,2}(?::\d{2}){1,2}|[ap]\.?m\.?|[a-z]{1,2}[sd]?t|utc|gmt)\b|[\s,.:;|•·/()–—-]+`)
	nameAnd = regexp.MustCompile(`\s+(?:and|&)\s+`)
	// roleWords mark the part of a byline after a comma that is a job, not an outlet.
	roleWords = regexp.MustCompile(`(?i)\b(?:writer|reporter|correspondent|editor|contributor|columnist|staff|author|producer|analyst|bureau chief)s?\b`)
)

// parseDateLine reads a line that is a date and nothing else but the words
// around dates ("Published", a weekday, a time and its zone). When the line
// has two dates, "Published …, Updated …", the first one is the date of
// publication.
func parseDateLine(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 120 {
		return time.Time{}, false
	}
	var first time.Time
	firstAt := len(s)
	rest := s
	for _, re := range dateForms {
		for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
			t, ok := dateOf(re, s, m)
			if !ok {
				return time.Time{}, false
			}
			if m[0] < firstAt {
				first, firstAt = t, m[0]
			}
			rest = strings.Replace(rest, s[m[0]:m[1]], " ", 1)
		}
	}
	if first.IsZero() || strings.TrimSpace(dateNoise.ReplaceAllString(rest, "")) != "" {
		return time.Time{}, false
	}
	return first, true
}

// dateOf turns one date match into a time, or false for an impossible date.
func dateOf(re *regexp.Regexp, s string, m []int) (time.Time, bool) {
	g := func(i int) string { return s[m[2*i]:m[2*i+1]] }
	var y, mo, d int
	switch re {
	case dateForms[0]:
		mo, d, y = monthNumber(g(1)), atoi(g(2)), atoi(g(3))
	case dateForms[1]:
		d, mo, y = atoi(g(1)), monthNumber(g(2)), atoi(g(3))
	case dateForms[2]:
		y, mo, d = atoi(g(1)), atoi(g(2)), atoi(g(3))
	default:
		// Day and month only when the order is beyond doubt: 14/12 or 12/14.
		a, b := atoi(g(1)), atoi(g(2))
		switch {
		case a > 12 && b <= 12:
			d, mo = a, b
		case b > 12 && a <= 12:
			mo, d = a, b
		default:
			return time.Time{}, false
		}
		y = atoi(g(3))
	}
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if mo < 1 || mo > 12 || d < 1 || t.Day() != d || y < 1900 || y > 2200 {
		return time.Time{}, false
	}
	return t, true
}

func monthNumber(name string) int {
	name = strings.ToLower(name)
	for m := time.January; m <= time.December; m++ {
		if strings.HasPrefix(strings.ToLower(m.String()), name[:3]) {
			return int(m)
		}
	}
	return 0
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// parseByline reads a byline: "By" and one or more names, then optionally
// the outlet after a comma ("By Maria Keller, Reuters") and a date after a
// bar or dash. A job title after the comma ("Staff Writer") is dropped.
func parseByline(s string) (author, outlet string, published time.Time, ok bool) {
	s = strings.TrimSpace(s)
	loc := bylineStart.FindStringIndex(s)
	if loc == nil || len(s) > 160 {
		return "", "", time.Time{}, false
	}
	s = s[loc[1]:]
	// A date may follow after a separator: "By X | December 14, 2023".
	for _, sep := range []string{" | ", " • ", " · ", " — ", " – ", " - "} {
		if before, after, found := strings.Cut(s, sep); found {
			if t, isDate := parseDateLine(after); isDate {
				s, published = before, t
				break
			}
		}
	}
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	names := parts
	if n := len(parts); n >= 2 {
		last := parts[n-1]
		switch {
		case strings.HasPrefix(strings.ToLower(last), "and "): // "A, B, and C": all names
		case roleWords.MatchString(last): // a job title, dropped
			names = parts[:n-1]
		case n == 2 && len(splitAnd(last)) > 1 && allNames(splitAnd(last)): // "A, B and C"
		case n == 2 || !isName(last):
			outlet, names = last, parts[:n-1]
		}
	}
	var people []string
	for _, p := range names {
		p = strings.TrimPrefix(p, "and ")
		if p == "" {
			continue
		}
		for _, name := range splitAnd(p) {
			if !isName(name) {
				return "", "", time.Time{}, false
			}
			people = append(people, name)
		}
	}
	if len(people) == 0 || (outlet != "" && !isOutlet(outlet)) {
		return "", "", time.Time{}, false
	}
	return joinNames(people), outlet, published, true
}

// splitAnd splits "Maria Keller and Tom Hale" into the two names.
func splitAnd(s string) []string {
	var out []string
	for _, part := range nameAnd.Split(s, -1) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func allNames(names []string) bool {
	for _, n := range names {
		if !isName(n) {
			return false
		}
	}
	return true
}

// nameParticles may stand in lower case inside a name.
var nameParticles = map[string]bool{"de": true, "da": true, "van": true, "von": true, "der": true, "den": true, "al": true, "el": true, "bin": true, "la": true, "le": true, "di": true, "du": true}

// isName reports whether s reads as a person's name: one to five words,
// each capitalised (or a particle such as "van"), with no digits.
func isName(s string) bool {
	words := strings.Fields(s)
	if len(words) == 0 || len(words) > 5 {
		return false
	}
	for i, w := range words {
		r := []rune(w)
		if nameParticles[strings.ToLower(w)] && i > 0 && i < len(words)-1 {
			continue
		}
		if !unicode.IsUpper(r[0]) {
			return false
		}
		for _, c := range r {
			if !unicode.IsLetter(c) && !strings.ContainsRune(".'’-", c) {
				return false
			}
		}
	}
	return true
}

// isOutlet reports whether s could name an outlet: a few words, starting
// with a capital or a digit.
func isOutlet(s string) bool {
	words := strings.Fields(s)
	if len(words) == 0 || len(words) > 6 {
		return false
	}
	r := []rune(words[0])
	return unicode.IsUpper(r[0]) || unicode.IsDigit(r[0])
}

// joinNames writes authors as a reader would: "A", "A and B", "A, B and C".
func joinNames(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
