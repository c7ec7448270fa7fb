package bot

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// slotKind is the kind of thing a "which X" question asks for when X says
// more than the question word: a place ("which country", "where") or a
// title ("which song", "what word"). A sentence that names such a thing
// answers more surely than one that merely holds a capitalized word.
type slotKind int

const (
	noSlot      slotKind = iota
	placeSlot            // where, which island, region …: any place
	countrySlot          // which country, nation
	stateSlot            // which state, province
	citySlot             // which city, town
	titleSlot            // which song, movie, show, word, phrase …: news quotes titles and coined words
	nameSlot             // what is the name of X, what is it called: news writes "named X", "called X"
)

// slotPattern reads the slot's kind from the asking sentence: the first
// noun of its kind within four words after "which" or "what" ("which US
// state", "which Japanese island"); readSlot also knows "where" and "what
// is it called".
var slotPattern = regexp.MustCompile(`(?i)\b(?:which|what)\s+(?:[\pL\pN'’&.-]+\s+){0,3}?(country|countries|nation|nations|state|states|province|provinces|city|cities|town|island|islands|region|territory|capital|county|continent|song|songs|movie|movies|film|films|show|series|sitcom|book|novel|album|word|words|phrase|term|title|slogan|nickname|catchphrase)\b`)

// slotNouns give the kind of each noun slotPattern finds.
var slotNouns = map[string]slotKind{
	"country": countrySlot, "countries": countrySlot, "nation": countrySlot, "nations": countrySlot,
	"state": stateSlot, "states": stateSlot, "province": stateSlot, "provinces": stateSlot,
	"city": citySlot, "cities": citySlot, "town": citySlot, "capital": citySlot,
}

// readSlot returns the kind of slot the asking sentence names.
func readSlot(asked string) slotKind {
	m := slotPattern.FindStringSubmatch(asked)
	switch {
	case m != nil:
		if k, ok := slotNouns[strings.ToLower(m[1])]; ok {
			return k
		}
		switch strings.ToLower(m[1]) {
		case "island", "islands", "region", "territory", "county", "continent":
			return placeSlot
		}
		return titleSlot
	case whereWord.MatchString(asked):
		return placeSlot
	case namedPattern.MatchString(asked):
		return nameSlot
	}
	return noSlot
}

// namedPattern finds a question for the name of something.
var namedPattern = regexp.MustCompile(`(?i)\bwhat (?:is|are|was|were) (?:the |their |its )?names?\b|\bwhat (?:is|are|was|were) (?:it|they|he|she|this|the [\pL-]+) (?:called|named|dubbed)\b`)

// naming matches a sentence giving something's name: "named Gobble",
// "called “goblin mode”", "dubbed Optimus".
var naming = regexp.MustCompile(`\b(?:named|called|dubbed|nicknamed|known as)\s+(?:the\s+)?[“"‘']?\p{Lu}`)

var whereWord = regexp.MustCompile(`(?i)\bwhere\b`)

// slotted reports whether s names a thing of the question's slot kind that
// the question does not name itself: a country, a US state or a large
// city for a place, a short quoted phrase for a title.
func (q question) slotted(s string) bool {
	switch q.slotKind {
	case titleSlot:
		return q.quotesTitle(s)
	case nameSlot:
		return naming.MatchString(s)
	case noSlot:
		return false
	}
	return q.namesPlace(s)
}

// namesPlace reports whether s names a place of the gazetteer that the
// question lacks. Places are matched as whole capitalized words, the
// longest name first ("New York City" before "New York").
func (q question) namesPlace(s string) bool {
	ws := words(s)
	for i := range ws {
		for n := min(maxPlaceWords, len(ws)-i); n >= 1; n-- {
			name := strings.Join(ws[i:i+n], " ")
			if r, _ := utf8.DecodeRuneInString(name); !unicode.IsUpper(r) || !placeOf(places[strings.ToLower(name)], q.slotKind) {
				continue
			}
			// "Missouri State University", "New York Times": a place
			// followed by another name is part of that name.
			next := ""
			if i+n < len(ws) {
				next = ws[i+n]
			}
			if r, _ := utf8.DecodeRuneInString(next); !unicode.IsUpper(r) && !slices.ContainsFunc(ws[i:i+n], func(w string) bool { return q.words[strings.ToLower(w)] }) {
				return true
			}
			break
		}
	}
	return false
}

// quotedTitle matches a short phrase in quotation marks: one to six words,
// as news writes the title of a song or film or a coined word.
var quotedTitle = regexp.MustCompile(`(?:^|[\s(—–-])[“"‘']([\pL\pN][^“”"‘’']{0,60}?)[”"’'](?:[\s,.;:!?)—–-]|$)`)

// quotesTitle reports whether s quotes a title of at most six words that
// is not the question's own.
func (q question) quotesTitle(s string) bool {
	for _, m := range quotedTitle.FindAllStringSubmatch(s, -1) {
		ws := words(m[1])
		if len(ws) == 0 || len(ws) > 6 {
			continue
		}
		if !slices.ContainsFunc(ws, func(w string) bool { return q.words[strings.ToLower(w)] }) {
			return true
		}
	}
	return false
}

// maxPlaceWords is the most words a place name of the gazetteer has.
const maxPlaceWords = 4

// places are the lowercased names of countries (CLDR's English names, from
// golang.org/x/text, and the short names news uses), states and
// provinces, other regions, and large cities, each with the kinds of slot
// it fills: the answers to "which country", "which state", "which city"
// and "where" that news questions most often want. A gazetteer, not a
// tagger: a place it lacks earns no bonus, and the sentence still
// competes on its other evidence.
var places = func() map[string]placeKinds {
	m := map[string]placeKinds{}
	kind := countrySlot
	add := func(name string) {
		name = strings.ToLower(strings.Join(words(name), " "))
		if name != "" && len(strings.Fields(name)) <= maxPlaceWords {
			m[name] |= 1 << kind
		}
	}
	names := display.English.Regions()
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			r, err := language.ParseRegion(string([]rune{a, b}))
			if err != nil || !r.IsCountry() {
				continue
			}
			name := names.Name(r)
			if i := strings.Index(name, " ("); i > 0 {
				name = name[:i] // "Myanmar (Burma)"
			}
			name = strings.TrimSuffix(strings.ReplaceAll(name, " & ", " and "), " SAR China")
			if !notPlaces[name] {
				add(name)
			}
		}
	}
	for _, list := range []struct {
		names string
		kind  slotKind
	}{{states, stateSlot}, {otherCountries, countrySlot}, {otherPlaces, placeSlot}, {cities, citySlot}} {
		kind = list.kind
		for _, name := range strings.Split(list.names, ",") {
			add(strings.TrimSpace(name))
		}
	}
	return m
}()

// placeKinds holds a bit for each slotKind a place name is of: New York
// is a state and a city.
type placeKinds uint8

// placeOf reports whether a place of kinds k answers a question about a
// place of kind want: a state for "which state", any place for "where".
func placeOf(k placeKinds, want slotKind) bool {
	return k != 0 && (want == placeSlot || k&(1<<want) != 0)
}

// notPlaces are CLDR regions that are no country a question means.
var notPlaces = map[string]bool{"United Nations": true, "Eurozone": true, "U.S. Outlying Islands": true}

// states are the US states and territories and the provinces and states
// of other countries that news names like them.
const states = `Alabama, Alaska, Arizona, Arkansas, California, Colorado, Connecticut, Delaware, Florida, Georgia,
Hawaii, Idaho, Illinois, Indiana, Iowa, Kansas, Kentucky, Louisiana, Maine, Maryland, Massachusetts, Michigan,
Minnesota, Mississippi, Missouri, Montana, Nebraska, Nevada, New Hampshire, New Jersey, New Mexico, New York,
North Carolina, North Dakota, Ohio, Oklahoma, Oregon, Pennsylvania, Rhode Island, South Carolina, South Dakota,
Tennessee, Texas, Utah, Vermont, Virginia, Washington, West Virginia, Wisconsin, Wyoming, District of Columbia,
Puerto Rico, Guam, Quebec, Ontario, British Columbia, Alberta, Bavaria, Catalonia, Queensland,
New South Wales, Victoria, Tasmania`

// otherCountries are the short names news gives countries, and the
// nations of the United Kingdom, which it treats as such.
const otherCountries = `US, U.S, USA, America, UK, Britain, Great Britain, England, Scotland, Wales,
Northern Ireland, Burma, Congo, Ivory Coast, Czech Republic, Turkey, Türkiye, Palestine, Vatican,
North Macedonia, Eswatini`

// otherPlaces are regions, provinces, islands and continents in the news.
const otherPlaces = `Gaza, West Bank, Crimea, Kurdistan, Tibet, Siberia, Kyushu, Hokkaido, Honshu, Okinawa,
Sicily, Sardinia, Bali, Java, Sumatra, Borneo, Europe, Asia, Africa, Antarctica, North America, South America,
Latin America, Middle East, Arctic`

// cities are the largest cities of the US and the world and the capitals
// news datelines name most.
const cities = `New York City, New York, Los Angeles, Chicago, Houston, Phoenix, Philadelphia, San Antonio, San Diego, Dallas,
San Jose, Austin, Jacksonville, Fort Worth, Columbus, Charlotte, San Francisco, Indianapolis, Seattle, Denver,
Washington, Boston, El Paso, Nashville, Detroit, Oklahoma City, Portland, Las Vegas, Memphis, Louisville,
Baltimore, Milwaukee, Albuquerque, Tucson, Fresno, Sacramento, Kansas City, Mesa, Atlanta, Omaha, Colorado Springs,
Raleigh, Miami, Long Beach, Virginia Beach, Oakland, Minneapolis, Tulsa, Tampa, Arlington, New Orleans, Wichita,
Cleveland, Honolulu, Anchorage, Pittsburgh, Cincinnati, St. Louis, Salt Lake City, Orlando, Buffalo, Newark,
Des Moines, Birmingham, Richmond, Savannah, Charleston, Santa Fe, Boise, Hartford, Providence, Madison,
Mobile, Uvalde, Palm Beach, Miami Beach, Key West, Brooklyn, Manhattan, Queens, the Bronx, Hollywood,
London, Paris, Berlin, Madrid, Rome, Milan, Lisbon, Dublin, Edinburgh, Manchester, Liverpool, Amsterdam,
Brussels, Vienna, Zurich, Geneva, Munich, Frankfurt, Hamburg, Barcelona, Athens, Istanbul, Ankara, Moscow,
St. Petersburg, Kyiv, Kiev, Warsaw, Prague, Budapest, Stockholm, Oslo, Copenhagen, Helsinki, Reykjavik,
Tokyo, Osaka, Kyoto, Beijing, Shanghai, Hong Kong, Shenzhen, Wuhan, Seoul, Pyongyang, Taipei, Bangkok, Manila,
Jakarta, Singapore, Kuala Lumpur, Hanoi, Ho Chi Minh City, Mumbai, New Delhi, Delhi, Kolkata, Bangalore,
Karachi, Islamabad, Lahore, Kabul, Tehran, Baghdad, Damascus, Beirut, Jerusalem, Tel Aviv, Gaza City, Amman,
Riyadh, Jeddah, Mecca, Dubai, Abu Dhabi, Doha, Cairo, Lagos, Nairobi, Johannesburg, Cape Town, Addis Ababa,
Khartoum, Sydney, Melbourne, Brisbane, Perth, Auckland, Wellington, Toronto, Montreal, Vancouver, Ottawa,
Mexico City, Havana, Bogota, Lima, Santiago, Buenos Aires, Rio de Janeiro, Sao Paulo, São Paulo, Caracas`
