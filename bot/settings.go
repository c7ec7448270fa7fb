package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Settings are one server's choices about how the bot behaves there, made
// by its moderators. The zero value means the defaults, so a server that
// never changed anything has no record. A feature with settings of its own
// (a daily briefing, say) adds a field here: the stores keep Settings as
// one JSON document per scope, so a new field needs no migration, and
// UpdateSettings is the read-modify-write such a feature can claim work
// with.
type Settings struct {
	// Channels are the channels the bot answers in; empty means all.
	Channels []string `json:"channels,omitempty"`
	// RatePerMinute and Burst are each member's allowance of questions;
	// 0 means the bot's default (6 a minute, a burst of 3).
	RatePerMinute int `json:"rate_per_minute,omitempty"`
	Burst         int `json:"burst,omitempty"`
	// NoThreads answers a mention in its channel, as a reply, instead of
	// in a new thread under it.
	NoThreads bool `json:"no_threads,omitempty"`
	// Language is the language a model writes answers in (one of
	// Languages); empty means each asker's own, as their chat client says.
	Language string `json:"language,omitempty"`
	// Timezone is the IANA time zone the server's times are in, such as
	// Europe/Berlin; empty means UTC.
	Timezone string `json:"timezone,omitempty"`
	// Briefing is the server's daily briefing; nil when there is none.
	Briefing *Briefing `json:"briefing,omitempty"`

	// UpdatedAt and UpdatedBy say who changed the settings last.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	UpdatedBy string    `json:"updated_by,omitempty"`
}

// Limits of Settings: a moderator may make the bot stricter or looser
// within them, not turn the limit off, since the bot's owner pays for the
// model.
const (
	maxChannels      = 50
	maxRatePerMinute = 60
	maxBurst         = 10
)

// Languages are the languages a server may choose for its answers: those
// of Discord's clients. A model can write others, but a fixed list keeps
// the setting a choice rather than free text in the model's instructions.
var Languages = []string{
	"Bulgarian", "Chinese (Simplified)", "Chinese (Traditional)", "Croatian", "Czech", "Danish", "Dutch",
	"English", "Finnish", "French", "German", "Greek", "Hindi", "Hungarian", "Indonesian", "Italian",
	"Japanese", "Korean", "Lithuanian", "Norwegian", "Polish", "Portuguese", "Romanian", "Russian",
	"Spanish", "Swedish", "Thai", "Turkish", "Ukrainian", "Vietnamese",
}

// LanguageNamed returns the entry of Languages that name spells, case and
// spaces aside, and false when there is none.
func LanguageNamed(name string) (string, bool) {
	name = strings.Join(strings.Fields(name), " ")
	i := slices.IndexFunc(Languages, func(l string) bool { return strings.EqualFold(l, name) })
	if i < 0 {
		return "", false
	}
	return Languages[i], true
}

// Check says, in one sentence a moderator can act on, what is wrong with s.
func (s Settings) Check() error {
	bad := func(format string, args ...any) error { return &InputError{Err: fmt.Errorf(format, args...)} }
	switch {
	case len(s.Channels) > maxChannels:
		return bad("the bot can be limited to at most %d channels", maxChannels)
	case s.RatePerMinute < 0 || s.RatePerMinute > maxRatePerMinute:
		return bad("questions per minute must be between 1 and %d", maxRatePerMinute)
	case s.Burst < 0 || s.Burst > maxBurst:
		return bad("the burst must be between 1 and %d questions", maxBurst)
	case s.Language != "":
		if _, ok := LanguageNamed(s.Language); !ok {
			return bad("%q is not a language I can answer in; pick one from the list", s.Language)
		}
	}
	if i := slices.IndexFunc(s.Channels, func(c string) bool { return strings.TrimSpace(c) == "" }); i >= 0 {
		return bad("a channel in the list is blank")
	}
	if _, err := LoadZone(s.Timezone); err != nil {
		return err
	}
	if s.Briefing != nil {
		return s.Briefing.check()
	}
	return nil
}

// Answers reports whether the bot answers in channel, or in a thread whose
// parent is channel.
func (s Settings) Answers(channel, parent string) bool {
	return len(s.Channels) == 0 || slices.Contains(s.Channels, channel) || parent != "" && slices.Contains(s.Channels, parent)
}

func (s Settings) clone() Settings {
	s.Channels = slices.Clone(s.Channels)
	if s.Briefing != nil {
		b := *s.Briefing
		s.Briefing = &b
	}
	return s
}

// SettingsStore keeps the servers' Settings: the file in the data folder
// (SettingsFile) by default.
type SettingsStore interface {
	// Settings returns scope's settings; a scope never changed has the
	// zero value.
	Settings(ctx context.Context, scope string) (Settings, error)
	// UpdateSettings changes scope's settings with fn and stores them, as
	// one step no other update interleaves with. When fn returns an error
	// nothing is stored and that error is returned; so is the error of
	// Check on what fn made.
	UpdateSettings(ctx context.Context, scope string, fn func(*Settings) error) (Settings, error)
	// AllSettings returns the settings of every scope that has any.
	AllSettings(ctx context.Context) (map[string]Settings, error)
}
