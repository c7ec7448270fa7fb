package bot

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the zones travel with the binary: a container image may have none
	"unicode/utf8"
)

// Briefing is a server's daily briefing: a short cited digest of what
// arrived in its library since the last one, posted in a channel at a
// time of day in the server's time zone (Settings.Timezone). It lives in
// the server's Settings, so it is kept wherever they are.
type Briefing struct {
	// Channel is where it is posted.
	Channel string `json:"channel"`
	// At is the time of day, "15:04".
	At string `json:"at"`
	// Topic, when set, keeps the briefing to the articles about it.
	Topic string `json:"topic,omitempty"`
	// SetAt is when the schedule was set. A briefing is due only at a
	// time after it: setting 08:00 at 10:00 means tomorrow, not at once.
	SetAt time.Time `json:"set_at"`
	SetBy string    `json:"set_by,omitempty"`
}

// MaxBriefingTopic is the longest topic a briefing may have, in
// characters.
const MaxBriefingTopic = 200

func (b *Briefing) check() error {
	bad := func(format string, args ...any) error { return &InputError{Err: fmt.Errorf(format, args...)} }
	switch {
	case strings.TrimSpace(b.Channel) == "":
		return bad("pick the channel the briefing goes to")
	case utf8.RuneCountInString(b.Topic) > MaxBriefingTopic:
		return bad("a briefing's topic can be at most %d characters", MaxBriefingTopic)
	}
	if _, _, err := clockOf(b.At); err != nil {
		return bad("the briefing's time %q is not a time of day", b.At)
	}
	return nil
}

// clockOf reads "15:04".
func clockOf(at string) (hour, minute int, err error) {
	t, err := time.Parse("15:04", at)
	if err != nil {
		return 0, 0, err
	}
	return t.Hour(), t.Minute(), nil
}

// timeOfDay reads the ways people write a time: "7:30", "07:30", "7.30",
// "7", "19h30", "7am", "7:30 pm", "noon", "midnight".
var timeOfDay = regexp.MustCompile(`^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|a\.m\.|pm|p\.m\.)?$`)

// ParseClock reads a time of day as a person types it and returns it as
// "15:04", or an error that says how to write it.
func ParseClock(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "noon", "midday":
		return "12:00", nil
	case "midnight":
		return "00:00", nil
	}
	m := timeOfDay.FindStringSubmatch(s)
	bad := &InputError{Err: fmt.Errorf("%q is not a time of day; write it like 07:30 or 7:30 pm", s)}
	if m == nil {
		return "", bad
	}
	h, _ := strconv.Atoi(m[1])
	min := 0
	if m[2] != "" {
		min, _ = strconv.Atoi(m[2])
	}
	switch suffix := strings.ReplaceAll(m[3], ".", ""); {
	case suffix == "" && h > 23, suffix != "" && (h < 1 || h > 12), min > 59:
		return "", bad
	case suffix == "am" && h == 12:
		h = 0
	case suffix == "pm" && h < 12:
		h += 12
	}
	return fmt.Sprintf("%02d:%02d", h, min), nil
}

// LoadZone returns the time zone an IANA name names ("Europe/Berlin",
// "America/New_York", "UTC"), spelled in any case; empty means UTC.
func LoadZone(name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return time.UTC, nil
	}
	if i := slices.IndexFunc(zoneNames, func(z string) bool { return strings.EqualFold(z, name) }); i >= 0 {
		name = zoneNames[i]
	}
	if strings.EqualFold(name, "local") {
		return nil, &InputError{Err: errors.New(`"Local" is this computer's zone, not a server's: name one, such as Europe/Berlin`)}
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, &InputError{Err: fmt.Errorf("%q is not a time zone I know; name one such as Europe/Berlin or America/New_York", name)}
	}
	return loc, nil
}

// SuggestZones returns up to n time zones whose names contain typed
// (spaces read as underscores), those that start with it first.
func SuggestZones(typed string, n int) []string {
	typed = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(typed), " ", "_"))
	var first, rest []string
	for _, z := range zoneNames {
		lz := strings.ToLower(z)
		_, city, _ := strings.Cut(lz, "/")
		switch {
		case typed == "" || strings.HasPrefix(lz, typed) || strings.HasPrefix(city, typed):
			first = append(first, z)
		case strings.Contains(lz, typed):
			rest = append(rest, z)
		}
	}
	out := append(first, rest...)
	return out[:min(n, len(out))]
}

// dueDay returns the day (in the server's zone, "2006-01-02") whose
// briefing is due at now, and when it was due; ok is false when no
// briefing is due: before today's time, or when today's time came before
// the schedule was set.
func (b *Briefing) dueDay(now time.Time, loc *time.Location) (day string, at time.Time, ok bool) {
	at = b.atOn(now.In(loc))
	if now.Before(at) || !at.After(b.SetAt) {
		return "", at, false
	}
	return at.Format(time.DateOnly), at, true
}

// atOn returns the briefing's time on the day of local, in local's zone.
// A time that a change to summer time skips moves on by the change.
func (b *Briefing) atOn(local time.Time) time.Time {
	h, m, _ := clockOf(b.At)
	return time.Date(local.Year(), local.Month(), local.Day(), h, m, 0, 0, local.Location())
}

// Next returns when the briefing after now is due: today's, unless its
// time has passed or came before the schedule was set, else tomorrow's.
func (b *Briefing) Next(now time.Time, loc *time.Location) time.Time {
	local := now.In(loc)
	at := b.atOn(local)
	if at.After(now) && at.After(b.SetAt) {
		return at
	}
	tomorrow := local.AddDate(0, 0, 1)
	return b.atOn(time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 12, 0, 0, 0, loc))
}
