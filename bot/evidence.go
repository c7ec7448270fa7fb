package bot

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/sentence"
)

// answerKind is what kind of thing a question asks for, read from its
// question word: "who" wants a person or an organisation, "when" a date,
// "how many" a number.
type answerKind int

const (
	anyKind    answerKind = iota // what, why, how, which X of no known kind
	nameKind                     // who, which person, company, country, city: a proper name
	dateKind                     // when, what year, which day
	numberKind                   // how many, how much, what percentage
	moneyKind                    // how much did it cost, what price: an amount of money
)

func (k answerKind) String() string {
	return [...]string{"any", "name", "date", "number", "money"}[k]
}

// question is what the bot reads from a question before judging evidence.
type question struct {
	// weights are the content terms as the index analyzes them, each
	// weighing the square of its rarity (IDF), so one telling word outweighs
	// several common ones; terms only in a quiz-style preamble weigh half.
	weights map[string]float64
	total   float64 // sum of weights
	// slotKind is the kind of thing "which X" asks for when X names a
	// place or a title.
	slotKind slotKind
	kind     answerKind
	// focus is the term of X in "which X"/"what X" when X is of no kind
	// typed knows ("what capital") and the library has never seen it: no
	// sentence of it can be about such an X.
	focus string
	words map[string]bool // the question's words, lowercased, so a name it already holds is no answer
	names []string        // the question's capitalized words after its first: people, places, organisations
	// counted is the term of X in "how many X": the number must count it
	// ("240 hostages", not "three citizens … held hostage"); or the unit
	// of "how tall … in meters".
	counted      []string
	countedWords []string // the words of counted as written, lowercased
	// relation is X in "who is the X of Y" or "what is the capital of
	// France": the relation asked about, which a sentence must state (a
	// sentence that names Reykjavik and some people does not say who its
	// mayor is).
	relation string
	// mentions are names the asking sentence holds, lowercased, that an
	// article must mention to answer it: one that never names the Oscars
	// does not say who hosts them.
	mentions []string
	// year is a year the question names for its event ("the 1998
	// Bundesliga title"), 0 for none.
	year int
	// slot is the term of X in "which X" or "what X": the kind of thing
	// asked for, which the answer names.
	slot string
	// frame is the period the question names, read relative to now.
	frame retrieval.TimeFrame
	now   time.Time
}

// readQuestion analyzes text with the index's term weights (IDF) and
// analyzer.
func readQuestion(text string, idf map[string]float64, unseen map[string]bool, terms func(string) []string, now time.Time) question {
	q := question{weights: map[string]float64{}, words: map[string]bool{}, now: now}
	asked := askingSentence(text)
	inAsked := map[string]bool{}
	for _, t := range terms(asked) {
		inAsked[t] = true
	}
	// Time words ("this week", "recently") say when, not what: a sentence
	// need not hold them to answer.
	var content map[string]bool
	q.frame, content = readTime(text, now, terms)
	if m := focusPattern.FindStringSubmatch(asked); m != nil && !notFocus[strings.ToLower(m[1])] {
		if ts := terms(m[1]); len(ts) == 1 {
			q.slot = ts[0]
		}
	}
	// "How many" and "how much" ask; their words are not what is asked
	// about.
	form := map[string]bool{}
	for _, m := range questionForm.FindAllString(asked, -1) {
		for _, t := range terms(m) {
			form[t] = true
		}
	}
	for t, w := range idf {
		if content != nil && !content[t] || form[t] {
			continue
		}
		w *= w
		if !inAsked[t] {
			w /= 2
		}
		if t == q.slot {
			w *= slotWeight
		}
		q.weights[t] = w
		q.total += w
	}
	for i, w := range words(text) {
		q.words[strings.ToLower(w)] = true
		q.words[possessor(w)] = true
		if r, _ := utf8.DecodeRuneInString(w); i > 0 && unicode.IsUpper(r) && !notNames[strings.ToLower(w)] && len(terms(w)) == 1 {
			q.names = append(q.names, w)
			if ts := terms(w); inAsked[ts[0]] && idf[ts[0]] >= mentionIDF && mustMention(w) {
				q.mentions = append(q.mentions, mentionKey(w))
			}
		}
	}
	q.slotKind = readSlot(asked)
	if m := countedPattern.FindStringSubmatch(asked); m != nil {
		q.counted, q.countedWords = terms(m[1]+" "+m[2]), strings.Fields(strings.ToLower(m[1]+" "+m[2]))
	} else if m := unitPattern.FindStringSubmatch(asked); m != nil {
		q.counted, q.countedWords = terms(m[1]), []string{strings.ToLower(m[1])}
	}
	q.year = eventYear(asked, now)
	if m := relationPattern.FindStringSubmatch(asked); m != nil && !notFocus[strings.ToLower(m[1])] {
		if ts := terms(m[1]); len(ts) == 1 {
			q.relation = ts[0]
		}
	}
	for _, p := range kindPatterns {
		if p.re.MatchString(asked) {
			q.kind = p.kind
			break
		}
	}
	if (q.kind == numberKind || q.kind == anyKind) && asksMoney(asked) {
		q.kind = moneyKind
	}
	if q.kind == anyKind && q.slotKind != titleSlot { // a quoted title shows a song without the word
		if m := focusPattern.FindStringSubmatch(asked); m != nil && !notFocus[strings.ToLower(m[1])] {
			if ts := terms(m[1]); len(ts) == 1 && unseen[ts[0]] {
				q.focus = ts[0]
			}
		}
	}
	return q
}

// mustMention reports whether an article that answers must hold name w
// as written: not an abbreviation ("US" is also "U.S.") nor a word of
// nationality ("Japanese" islands are in Japan), which articles write in
// other forms.
func mustMention(w string) bool {
	return !(utf8.RuneCountInString(w) <= 3 && strings.ToUpper(w) == w) && !demonym.MatchString(w)
}

// mentionIDF is the rarity (IDF, natural log) from which a name must be
// mentioned: a common word with a capital ("City", "House") is often part
// of a longer name an article writes another way ("New York City" is "New
// York"); at 5 a word is in fewer than 1 paragraph of 150.
var mentionIDF = 5.0

// demonym matches the endings of most words of nationality.
var demonym = regexp.MustCompile(`(?i)(?:ese|ian|ish|ean|can|man|i)$`)

// mentionKey is how name w is looked for in an article: lowercased,
// without a possessive or a plural s ("Oscars" is mentioned by "Oscar").
func mentionKey(w string) string {
	k := possessor(w)
	if utf8.RuneCountInString(k) > 4 {
		k = strings.TrimSuffix(k, "s")
	}
	return k
}

// mentionsAll reports whether article a mentions every name the question
// must find in it.
func (q question) mentionsAll(a *retrieval.Article) bool {
	if len(q.mentions) == 0 {
		return true
	}
	text := strings.ToLower(a.Title + "\n" + strings.Join(a.Paragraphs, "\n"))
	return !slices.ContainsFunc(q.mentions, func(k string) bool { return !strings.Contains(text, k) })
}

// eventYear returns the year, up to now's, that a question names for its
// event ("the 1998 Bundesliga title", "in 1986"), not a bound ("since
// 1999"); 0 for none.
func eventYear(asked string, now time.Time) int {
	if now.IsZero() {
		return 0
	}
	for _, m := range namedYear.FindAllStringSubmatch(asked, -1) {
		if y, _ := strconv.Atoi(m[2]); !yearBounds[strings.ToLower(m[1])] && y <= now.Year() {
			return y
		}
	}
	return 0
}

// namedYear finds a year and the word before it.
var namedYear = regexp.MustCompile(`(?:(\pL+)\s+)?\b((?:1[89]|20)[0-9]{2})\b`)

// yearBounds are words that make a year a bound of a period, not the
// time of an event.
var yearBounds = map[string]bool{"since": true, "before": true, "after": true, "until": true, "till": true, "by": true, "from": true}

// questionForm matches the words that only say what kind of answer is
// asked for.
var questionForm = regexp.MustCompile(`(?i)\bhow (?:many|much)\b`)

// slotWeight is the weight of X in "which X" against the question's other
// words: X names the kind of thing asked for, and the sentence that
// answers names the thing itself ("Ford will …" for "Which company …?"),
// while one that says "the company" refers to the answer without giving
// it.
var slotWeight = 0.25

// readTime reads the question's time expressions relative to now and
// returns the frame they name and the terms of the question without them
// (nil when it has none).
func readTime(text string, now time.Time, terms func(string) []string) (retrieval.TimeFrame, map[string]bool) {
	frame, rest := retrieval.ParseTime(text, now)
	if rest == text || strings.TrimSpace(rest) == "" {
		return frame, nil
	}
	content := map[string]bool{}
	for _, t := range terms(rest) {
		content[t] = true
	}
	return frame, content
}

// kindPatterns read the expected answer from the question's wording, first
// match wins. "Which X"/"what X" names its kind through X.
var kindPatterns = []struct {
	re   *regexp.Regexp
	kind answerKind
}{
	{regexp.MustCompile(`(?i)\b(how (many|much|long|old|far|often|big|large|tall|high)|what (number|percentage|percent|share|proportion|amount|sum|price|age|size|rate)|which (number|percentage|amount))\b`), numberKind},
	{regexp.MustCompile(`(?i)\b(when|what (year|date|day|month|time)|which (year|date|day|month|decade|century)|since when)\b`), dateKind},
	{regexp.MustCompile(`(?i)\b(who|whom|whose|(which|what) ([\w'’-]+ ){0,2}(person|people|individual|man|woman|official|officials|leader|president|minister|politician|lawmaker|senator|governor|mayor|judge|justice|candidate|ceo|executive|founder|player|athlete|actor|actress|singer|artist|author|writer|company|companies|firm|organization|organisation|agency|group|team|club|network|party|country|countries|nation|state|city|town|region|province|island|airline|bank|university|newspaper|brand|retailer|automaker|carrier|court|body|celebrity|rapper|star|director|coach|host|comedian|musician|band|billionaire|rival|nominee|manufacturer|platform|app|website|service|streamer|studio))\b|\bwhere\b`), nameKind},
}

// focusPattern finds X in "which X" and "what X".
var focusPattern = regexp.MustCompile(`(?i)\b(?:which|what)\s+(?:(?:is|was|are|were)\s+(?:the|a|an)\s+)?(?:(?:\pL+est|most|new|first|last|main|top|other)\s+)?(\pL[\pL'-]*)`)

// countedPattern finds X in "how many X", one word or two ("how many
// criminal charges").
var countedPattern = regexp.MustCompile(`(?i)\bhow many\s+(\pL+)(?:\s+(\pL+))?`)

// unitPattern finds the unit a measure is asked in: "how tall is the
// tower in meters?" is not answered by "314 feet tall".
var unitPattern = regexp.MustCompile(`(?i)\bhow (?:tall|long|far|high|big|large|heavy|deep|wide|fast|hot|cold)\b[^?]*\bin\s+(\pL+)\s*\?*\s*$`)

// relationPattern finds X in "who is the X of Y" and "what was the X in
// Y": the answer is whoever or whatever stands in that relation to Y.
var relationPattern = regexp.MustCompile(`(?i)\b(?:who|what|which)\s+(?:is|was|are|were)\s+(?:the|a|an)\s+(\pL[\pL'-]*)\s+(?:of|in|for|at|on|to)\s`)

// moneyPattern finds a question for an amount: "how much", "what was the
// average price", "which hourly amount", "what does the airline charge".
// With a word of money in the question (moneyWords) the answer is an
// amount of money, not any number: the price of bananas is not "six
// people".
var moneyPattern = regexp.MustCompile(`(?i)\bhow much\b|\b(?:what|which)\s+(?:(?:is|was|are|were|will|would)\s+)?(?:(?:the|a|an|its|their|his|her)\s+)?(?:(?:[\pL'’-]+)\s+){0,3}?(?:price|cost|fee|fare|salary|wage|amount|sum|prize|fine|toll|budget|rent|payout|settlement)s?\b|\bwhat\s+(?:does|do|did|will|would)\b[^?]*\b(?:charge|cost|pay)\b`)

// asksMoney reports whether the question asks for an amount of money.
// "Which one cost him the most money?" asks for a company.
func asksMoney(asked string) bool {
	m := moneyPattern.FindString(asked)
	return m != "" && !slices.Contains(strings.Fields(strings.ToLower(m)), "one") && moneyWords.MatchString(asked)
}

// moneyWords are the words that make an amount one of money.
var moneyWords = regexp.MustCompile(`(?i)\b(?:pay|pays|paid|price|prices|cost|costs|spend|spent|charge|charges|charged|fee|fees|fare|fares|salary|wage|wages|money|damages|worth|fine|fined|budget|prize|jackpot|bid|rent|dollars?|earn|earned)\b`)

// notFocus are words after "which" or "what" that name no kind of thing.
var notFocus = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`is was are were be been did do does done has have had will would can could should
	shall may might must of kind kinds type types sort sorts else exactly happened happens name names title
	following`) {
		m[w] = true
	}
	return m
}()

// askingSentence returns the sentence of a question that asks: the last
// one ending in a question mark, else the whole text. Quiz questions set
// the scene first ("Senators reached a deal this week. Which measure did
// they leave out?").
func askingSentence(text string) string {
	ss := sentence.Split(strings.Join(strings.Fields(text), " "))
	for i := len(ss) - 1; i >= 0; i-- {
		if strings.HasSuffix(ss[i], "?") {
			return ss[i]
		}
	}
	return text
}

// candidate is one sentence of a retrieved paragraph, judged as evidence.
type candidate struct {
	hit         int // rank of the hit it comes from
	article     *retrieval.Article
	paragraph   int // 1-based
	order       int // position of the sentence in its paragraph
	text        string
	terms       []string
	self        float64  // share of the question's weight in the sentence
	window      float64  // share in the sentence and its neighbours, the one before and the one after
	typed       bool     // holds a new name, date or number as the question's kind asks
	counts      bool     // typed, and for "how many X" the number is right before X
	focused     bool     // the question's focus, if any, is in the window
	novel       int      // content terms the question lacks
	slotted     bool     // typed, and names a thing of the slot's kind (a place, a title)
	margin      float64  // evidence needed beyond minEvidence: untypedMargin for a question of no checkable kind
	answerWords []string // the words that could answer, of the kind asked for (see answerWords)
	mentions    []string // the names and numbers it tells of that the question lacks
	support     float64  // how strongly the other sentences back them (see supportAnswers)
	fit         float64  // how well its article's date fits the time the question asks about
	recency     float64  // weight of its article's age
	score       float64
}

// sentenceEvidence splits the hits into sentences and judges each.
func sentenceEvidence(q question, hits []retrieval.Hit, terms func(string) []string) []candidate {
	var out []candidate
	aliases := map[*retrieval.Article]map[string][]string{}
	named := map[*retrieval.Article]map[string]bool{}
	mentions := map[*retrieval.Article]bool{}
	for rank, h := range hits {
		al, ok := aliases[h.Article]
		if !ok {
			al = q.aliases(h.Article, terms)
			aliases[h.Article] = al
		}
		terms := func(s string) []string { return withAliases(terms(s), al) }
		mentioned, ok := mentions[h.Article]
		if !ok {
			mentioned = q.mentionsAll(h.Article)
			mentions[h.Article] = mentioned
		}
		names, ok := named[h.Article]
		if !ok && q.kind == nameKind {
			names = nameWords(h.Article)
			named[h.Article] = names
		}
		ss := sentence.Split(strings.Join(strings.Fields(h.Text), " "))
		ts := make([][]string, len(ss))
		for i, s := range ss {
			ts[i] = terms(s)
		}
		before, after := neighbourTerms(h, terms)
		for i, s := range ss {
			c := candidate{hit: rank, article: h.Article, paragraph: h.Paragraph, order: i, text: s, terms: ts[i]}
			prev, next := before, after
			if i > 0 {
				prev = ts[i-1]
			}
			if i+1 < len(ss) {
				next = ts[i+1]
			}
			c.self, c.novel = q.cover(ts[i])
			c.window, _ = q.cover(ts[i], prev, next)
			// A sentence that adds nothing to the question, or asks one
			// itself, answers nothing.
			c.typed = q.typed(s, terms, names) && c.novel > 0 && !strings.HasSuffix(s, "?")
			c.counts = c.typed && (len(q.counted) == 0 || q.countsFocus(s, terms))
			c.slotted = c.typed && q.slotted(s)
			if c.typed {
				c.answerWords = q.answerWords(s, terms, names)
			}
			if q.kind == anyKind && q.slotKind != titleSlot {
				c.margin = untypedMargin
			}
			c.mentions = q.newMentions(s, names)
			c.fit, c.recency = q.timeFit(h.Article.PublishedAt), q.recency(h.Article.PublishedAt)
			c.focused = q.holds(q.focus, ts[i], prev, next) && q.holds(q.relation, ts[i], prev, next) && q.inYear(h.Article, ts[i], prev, next) && mentioned
			out = append(out, c)
		}
	}
	// How the other sentences back a sentence's answer is known only once
	// all are read.
	supportAnswers(q, out)
	for i := range out {
		out[i].score = out[i].rank()
	}
	return out
}

// inYear reports whether a sentence of article a can tell of an event of
// the year the question names: an article of that year can, one of an
// earlier year cannot (last year's word of the year is not this year's),
// and one of a later year looks back only in a sentence, or next to one,
// that names the year ("He won four times in 1998").
func (q question) inYear(a *retrieval.Article, lists ...[]string) bool {
	if q.year == 0 || a.PublishedAt.IsZero() {
		return true
	}
	switch y := a.PublishedAt.Year(); {
	case y < q.year:
		return false
	case y > q.year:
		return q.holds(strconv.Itoa(q.year), lists...)
	}
	return true
}

// holds reports whether term, when there is one, is in any of the lists.
func (q question) holds(term string, lists ...[]string) bool {
	return term == "" || slices.ContainsFunc(lists, func(ts []string) bool { return slices.Contains(ts, term) })
}

// Weights of a sentence's score beside its share of the question (rare
// words counting more): the share its neighbours add, the retriever's rank
// of its paragraph, holding a new name, date or number when the question
// asks for one (a place or a title when "which X" names one), how
// strongly the other sentences back its answer to "what" or "how many",
// and the words it adds to the question's.
var (
	neighbourWeight = 0.5
	hitDiscount     = 0.03
	typedBonus      = 0.2
	slotBonus       = 0.2
	supportWeight   = 0.15
	novelBonus      = 0.02 // per new content word, up to maxNovel
	maxNovel        = 8.0
	// introWeight: a sentence that introduces a list, a quote or an
	// explainer (see introduces) does not answer; what follows does, so it
	// weighs this much of its score.
	introWeight = 0.5
	// leadWeight: news puts what matters first (the inverted pyramid), so
	// a sentence of paragraph n weighs 1/(1 + leadWeight·ln(1 + n/leadParagraphs)).
	leadWeight = 0.1
	// leadParagraphs is about how many paragraphs the lead of a news story
	// takes; position counts in multiples of it.
	leadParagraphs = 5.0
)

// rank scores a candidate as an answer.
func (c candidate) rank() float64 {
	s := (c.self + neighbourWeight*(c.window-c.self)) * max(1-hitDiscount*float64(c.hit), 0.5)
	if c.counts {
		s += typedBonus
	}
	if c.slotted {
		s += slotBonus
	}
	s += supportWeight * c.support
	s += novelBonus * min(float64(c.novel), maxNovel)
	if introduces(c.text) {
		s *= introWeight
	}
	return s * c.recency * c.fit
}

// lead is the weight of the sentence's place in its article: news puts
// what matters first, so among sentences of about equal evidence the
// earlier one answers. It orders quotes; the evidence a quote needs to
// be shown at all does not depend on it.
func (c candidate) lead() float64 {
	return 1 / (1 + leadWeight*math.Log1p(float64(c.paragraph)/leadParagraphs))
}

// minEvidence is the share of a question's weight that a sentence and its
// neighbours must hold, with the kind of answer the question asks for, for
// the bot to answer from the library: half of what the question asks,
// its rare words counting more.
var minEvidence = 0.45

// untypedMargin is how much more of the question's weight a sentence must
// hold when the question asks for no kind of thing the bot can check
// ("what did the parliament decide about whaling quotas?"): without a
// type, the words decide alone. No dev question answerable at 0.45 falls
// below 0.5.
var untypedMargin = 0.05

// answers reports whether a candidate is evidence enough to answer.
func (c candidate) answers() bool {
	return c.window*c.fit >= minEvidence+c.margin && c.typed && c.focused
}

// aliases finds how an article refers to the people the question names:
// news introduces "Russian Foreign Minister Sergei Lavrov" once and then
// writes "the foreign minister". For each name of the question it returns,
// keyed by the name's term, the terms of the capitalized words before the
// name's first mention, when there are two or more.
func (q question) aliases(a *retrieval.Article, terms func(string) []string) map[string][]string {
	if len(q.names) == 0 {
		return nil
	}
	out := map[string][]string{}
	found := map[string]bool{}
	for _, p := range a.Paragraphs {
		ws := words(p)
		for i, w := range ws {
			if !slices.Contains(q.names, w) || found[w] {
				continue
			}
			found[w] = true
			j := i
			for j > 0 && i-j < 4 {
				r, _ := utf8.DecodeRuneInString(ws[j-1])
				if !unicode.IsUpper(r) || notNames[strings.ToLower(ws[j-1])] {
					break
				}
				j--
			}
			if ts := terms(strings.Join(ws[j:i], " ")); len(ts) >= 2 {
				if name := terms(w); len(name) == 1 {
					out[name[0]] = ts
				}
			}
		}
	}
	return out
}

// withAliases adds to a sentence's terms the name of anyone it refers to
// by two or more words of their title.
func withAliases(ts []string, aliases map[string][]string) []string {
	for name, alias := range aliases {
		n := 0
		for _, t := range alias {
			if slices.Contains(ts, t) {
				n++
			}
		}
		if n >= 2 && !slices.Contains(ts, name) {
			ts = append(ts, name)
		}
	}
	return ts
}

// neighbourTerms returns the terms of the last sentence of the paragraph
// before h and of the first sentence of the one after: news paragraphs are
// often one sentence, and "He said …" leans on the one before.
func neighbourTerms(h retrieval.Hit, terms func(string) []string) (before, after []string) {
	ps := h.Article.Paragraphs
	if n := h.Paragraph - 1; n >= 1 && n <= len(ps) {
		if ss := sentence.Split(strings.Join(strings.Fields(ps[n-1]), " ")); len(ss) > 0 {
			before = terms(ss[len(ss)-1])
		}
	}
	if n := h.Paragraph + 1; n <= len(ps) {
		if ss := sentence.Split(strings.Join(strings.Fields(ps[n-1]), " ")); len(ss) > 0 {
			after = terms(ss[0])
		}
	}
	return before, after
}

// cover returns the share of the question's weight whose terms appear in
// any of the term lists, and how many distinct terms of the first list the
// question lacks.
func (q question) cover(lists ...[]string) (share float64, novel int) {
	if q.total == 0 {
		return 0, 0
	}
	seen := map[string]bool{}
	sum := 0.0
	for i, ts := range lists {
		for _, t := range ts {
			if seen[t] {
				continue
			}
			seen[t] = true
			if w, ok := q.weights[t]; ok {
				sum += w
			} else if i == 0 {
				novel++
			}
		}
	}
	return sum / q.total, novel
}

// typed reports whether s holds something of the kind the question asks
// for that the question does not already name.
func (q question) typed(s string, terms func(string) []string, names map[string]bool) bool {
	switch q.kind {
	case nameKind:
		return q.hasNewName(s, names)
	case dateKind:
		return datePattern.MatchString(s)
	case numberKind:
		if len(q.counted) > 0 {
			// The number counts the thing asked about, or at least shares a
			// sentence with it ("34 felony counts … criminal charges").
			// The latter is evidence enough, not a typed answer's bonus.
			return q.countsFocus(s, terms) || q.hasNewCount(s) && slices.ContainsFunc(words(s), func(w string) bool { return q.isCounted(w, terms) })
		}
		return q.hasNewNumber(s)
	case moneyKind:
		return q.hasNewMoney(s)
	}
	if q.slotKind == titleSlot {
		// "Which song", "what word": news quotes the title it names.
		return q.quotesTitle(s)
	}
	return true
}

// moneyAmount matches an amount of money as news writes it: "$19
// million", "€3.50", "£1bn", "20,000 dollars", "US$5".
var moneyAmount = regexp.MustCompile(`(?i)(?:[$€£¥₹]\s?([0-9][0-9,.]*)|\b([0-9][0-9,.]*)\s*(?:(?:million|billion|trillion|thousand|bn|m)\s+)?(?:dollars|euros|pounds|yen|yuan|rupees|pesos|cents|francs|rubles|roubles|usd|eur|gbp)\b)`)

// hasNewMoney reports whether s holds an amount of money the question
// does not.
func (q question) hasNewMoney(s string) bool {
	for _, m := range moneyAmount.FindAllStringSubmatch(s, -1) {
		n := strings.TrimRight(m[1]+m[2], ".,")
		if !q.words[n] && !q.words["$"+n] {
			return true
		}
	}
	return false
}

// hasNewName reports whether s holds a capitalized word that the question
// lacks: a name of a person, a place or an organisation the question asks
// about. The first word of a sentence is a name only if its article
// never writes it in lower case or writes it with a capital after a
// sentence's first word too (names: the words that are names by either
// test), or it starts a run of capitalized words ("Northeastern
// University's law school"): "Germany debuted …", not "Experts warned …"
// when the article speaks of experts elsewhere.
func (q question) hasNewName(s string, names map[string]bool) bool {
	ws := words(s)
	for i, w := range ws {
		r, _ := utf8.DecodeRuneInString(w)
		lw := possessor(w)
		if !unicode.IsUpper(r) || q.words[lw] || notNames[lw] || i == 0 && !names[lw] && !(len(ws) > 1 && capitalized(ws[1])) {
			continue
		}
		return true
	}
	return false
}

func capitalized(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r) && !notNames[strings.ToLower(w)]
}

// possessor returns w lowercased without a possessive "'s": "Portmere's
// mayor" names no one the question "Who is the mayor of Portmere?" does
// not.
func possessor(w string) string {
	lw := strings.ToLower(w)
	for _, s := range []string{"'s", "’s"} {
		if t, ok := strings.CutSuffix(lw, s); ok && t != "" {
			return t
		}
	}
	return lw
}

// nameWords returns the words, lowercased and without a possessive, that
// article a writes as names: with a capital after a sentence's first word,
// or never in lower case.
func nameWords(a *retrieval.Article) map[string]bool {
	names, lower := map[string]bool{}, map[string]bool{}
	for _, p := range a.Paragraphs {
		for _, s := range sentence.Split(p) {
			for i, w := range words(s) {
				r, _ := utf8.DecodeRuneInString(w)
				lw := possessor(w)
				switch {
				case unicode.IsLower(r):
					lower[lw] = true
				case unicode.IsUpper(r):
					names[lw] = names[lw] || i > 0
				}
			}
		}
	}
	for w, mid := range names {
		if !mid && lower[w] {
			delete(names, w)
		} else {
			names[w] = true
		}
	}
	return names
}

// countsFocus reports whether s holds a count within three words before
// the thing the question counts, in the same clause: "240 hostages", "34
// felony counts", not "the first one, a Neptune-size moon".
func (q question) countsFocus(s string, terms func(string) []string) bool {
	for _, clause := range clauseBreak.Split(s, -1) {
		ws := words(clause)
		for i, w := range ws {
			if !isCount(w) {
				continue
			}
			for _, next := range ws[i+1 : min(i+4, len(ws))] {
				if q.isCounted(next, terms) {
					return true
				}
			}
		}
	}
	return false
}

// isCounted reports whether word w names what the question counts: the
// same term, or the head of a compound that does ("420 fires" counts
// wildfires).
func (q question) isCounted(w string, terms func(string) []string) bool {
	lw := strings.ToLower(w)
	return slices.ContainsFunc(terms(w), func(t string) bool { return slices.Contains(q.counted, t) }) ||
		len(lw) >= 4 && slices.ContainsFunc(q.countedWords, func(c string) bool { return strings.HasSuffix(c, lw) })
}

// clauseBreak separates the clauses of a sentence.
var clauseBreak = regexp.MustCompile(`[,;:()–—]|\s-\s`)

// hasNewCount reports whether s holds a count the question does not.
func (q question) hasNewCount(s string) bool {
	for _, w := range words(s) {
		if isCount(w) && !q.words[strings.ToLower(w)] {
			return true
		}
	}
	return false
}

// isCount reports whether w can count things: a number ("240", "1.5",
// "two", "dozens"), not a year ("2018"), an ordinal ("first", "3rd"), a
// fraction ("half") or "one", more often a pronoun ("the first one")
// than a count.
func isCount(w string) bool {
	lw := strings.ToLower(w)
	if numberWords[lw] {
		return !notCounts[lw]
	}
	if !countPattern.MatchString(w) {
		return false
	}
	return !yearPattern.MatchString(w)
}

var (
	countPattern = regexp.MustCompile(`^[0-9][0-9,.]*$`)
	yearPattern  = regexp.MustCompile(`^(1[89]|20)[0-9]{2}$`)
	notCounts    = map[string]bool{"one": true, "half": true, "quarter": true, "third": true, "twice": true, "triple": true, "double": true}
)

// hasNewNumber reports whether s holds a number or an amount the question
// does not.
func (q question) hasNewNumber(s string) bool {
	for _, w := range words(s) {
		lw := strings.ToLower(w)
		if q.words[lw] {
			continue
		}
		if strings.ContainsAny(w, "0123456789") || numberWords[lw] {
			return true
		}
	}
	return false
}

// datePattern matches the ways news writes a date or a time of one.
var datePattern = regexp.MustCompile(`(?i)\b(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tomorrow|tonight|(last|next|this) (week|month|year|spring|summer|fall|autumn|winter)|(1[89]|20)[0-9]{2}s?|[0-9]{1,2}/[0-9]{1,2}(/[0-9]{2,4})?)\b`)

// numberWords are numbers written out.
var numberWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`one two three four five six seven eight nine ten eleven twelve thirteen fourteen
	fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred
	hundreds thousand thousands million millions billion billions trillion dozen dozens half percent quarter third
	twice triple double`) {
		m[w] = true
	}
	return m
}()

// notNames are words written with a capital that name no one.
var notNames = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`i the a an he she it they we you his her their this that these those there
	monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
	september october november december mr mrs ms dr`) {
		m[w] = true
	}
	return m
}()

// words returns the runs of letters, digits and inner apostrophes, dots
// or hyphens of s ("U.S.", "Biden's", "COVID-19").
func words(s string) []string {
	ws := strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '’' && r != '-' && r != '.' && r != '$' && r != '%'
	})
	out := ws[:0]
	for _, w := range ws {
		if w = strings.Trim(w, ".'’-"); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// introduces reports whether a sentence introduces what follows instead of
// stating it: it ends in a colon ("The following retailers received
// warning letters:") or announces an explainer ("Here's what to know
// about …").
func introduces(s string) bool {
	return strings.HasSuffix(s, ":") || heresPattern.MatchString(s)
}

var heresPattern = regexp.MustCompile(`^(?i:here(?:'s|’s| is| are)|this is what|what to know|what we know)\b`)
