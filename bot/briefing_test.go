package bot

import (
	"errors"
	"testing"
	"time"
)

func TestParseClock(t *testing.T) {
	good := map[string]string{
		"07:30": "07:30", "7:30": "07:30", "7.30": "07:30", "7": "07:00", "19h30": "19:30", "23:59": "23:59",
		"0:00": "00:00", "7am": "07:00", "7 AM": "07:00", "7:30 pm": "19:30", "12am": "00:00", "12pm": "12:00",
		"12:15 a.m.": "00:15", "noon": "12:00", "Midnight": "00:00", " 8:05 ": "08:05",
	}
	for in, want := range good {
		if got, err := ParseClock(in); err != nil || got != want {
			t.Errorf("ParseClock(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "24:00", "7:60", "13pm", "0am", "seven", "7:3", "07:30:00", "-1"} {
		_, err := ParseClock(in)
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Errorf("ParseClock(%q): %v, want a sentence for the person", in, err)
		}
	}
}

func TestLoadZone(t *testing.T) {
	for in, want := range map[string]string{
		"": "UTC", "UTC": "UTC", "Europe/Berlin": "Europe/Berlin", "europe/berlin": "Europe/Berlin",
		"america/new_york": "America/New_York", "Asia/Calcutta": "Asia/Calcutta",
	} {
		loc, err := LoadZone(in)
		if err != nil || loc.String() != want {
			t.Errorf("LoadZone(%q) = %v, %v; want %s", in, loc, err, want)
		}
	}
	for _, in := range []string{"Local", "Mars/Olympus", "+02:00", "../etc/passwd"} {
		var ie *InputError
		if _, err := LoadZone(in); !errors.As(err, &ie) {
			t.Errorf("LoadZone(%q): %v, want a sentence for the person", in, err)
		}
	}
	for _, z := range zoneNames {
		if _, err := time.LoadLocation(z); err != nil {
			t.Errorf("suggested zone %s does not load: %v", z, err)
		}
	}
}

func TestSuggestZones(t *testing.T) {
	if got := SuggestZones("berl", 25); len(got) != 1 || got[0] != "Europe/Berlin" {
		t.Errorf("berl: %v", got)
	}
	if got := SuggestZones("new york", 25); len(got) != 1 || got[0] != "America/New_York" {
		t.Errorf("new york: %v", got)
	}
	got := SuggestZones("europe", 25)
	if len(got) != 25 || got[0] != "Europe/Andorra" {
		t.Errorf("europe: %d zones starting %v, want 25 starting with Europe/Andorra", len(got), got[:1])
	}
	if got := SuggestZones("", 3); len(got) != 3 {
		t.Errorf("nothing typed: %v, want the first 3", got)
	}
}

// A briefing is due from its time each day, in the server's zone, and
// never for a time that came before the schedule was set.
func TestBriefingDue(t *testing.T) {
	berlin, _ := LoadZone("Europe/Berlin")
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	b := &Briefing{Channel: "1", At: "08:00", SetAt: at("2024-03-04 10:00")}
	tests := []struct {
		now     string
		day     string // "" not due
		next    string
		comment string
	}{
		{"2024-03-04 10:01", "", "2024-03-05 08:00", "set after today's time: tomorrow"},
		{"2024-03-05 07:59", "", "2024-03-05 08:00", "a minute early"},
		{"2024-03-05 08:00", "2024-03-05", "2024-03-06 08:00", "on time"},
		{"2024-03-05 23:59", "2024-03-05", "2024-03-06 08:00", "late the same day"},
		{"2024-03-06 00:30", "", "2024-03-06 08:00", "after midnight, before the time"},
		{"2024-03-31 08:30", "2024-03-31", "2024-04-01 08:00", "the day summer time starts"},
	}
	for _, tt := range tests {
		day, _, ok := b.dueDay(at(tt.now), berlin)
		if tt.day == "" && ok || tt.day != "" && (!ok || day != tt.day) {
			t.Errorf("%s (%s): due %q %v, want %q", tt.comment, tt.now, day, ok, tt.day)
		}
		if got := b.Next(at(tt.now), berlin); !got.Equal(at(tt.next)) {
			t.Errorf("%s (%s): next %s, want %s", tt.comment, tt.now, got, tt.next)
		}
	}
	// In UTC, 07:30 Berlin time is 06:30 in winter: the zone decides.
	if _, _, ok := b.dueDay(time.Date(2024, 3, 5, 7, 30, 0, 0, time.UTC), berlin); !ok {
		t.Error("08:00 Berlin time is 07:00 UTC: due at 07:30 UTC")
	}
	// A time that summer time skips comes an hour on.
	early := &Briefing{Channel: "1", At: "02:30", SetAt: at("2024-03-01 00:00")}
	if got := early.Next(at("2024-03-30 12:00"), berlin); got.Format("2006-01-02 15:04") != "2024-03-31 03:30" {
		t.Errorf("02:30 on the night summer time starts: %s, want 03:30", got)
	}
}

func TestBriefingCheck(t *testing.T) {
	ok := Settings{Timezone: "Europe/Berlin", Briefing: &Briefing{Channel: "1", At: "08:00"}}
	if err := ok.Check(); err != nil {
		t.Errorf("good settings: %v", err)
	}
	for name, s := range map[string]Settings{
		"zone":    {Timezone: "Nowhere/Town"},
		"channel": {Briefing: &Briefing{At: "08:00"}},
		"time":    {Briefing: &Briefing{Channel: "1", At: "8am"}},
		"topic":   {Briefing: &Briefing{Channel: "1", At: "08:00", Topic: string(make([]rune, MaxBriefingTopic+1))}},
	} {
		var ie *InputError
		if err := s.Check(); !errors.As(err, &ie) {
			t.Errorf("bad %s: %v, want a sentence", name, err)
		}
	}
	// Settings are copied with their briefing: a change to the copy is
	// not a change to the stored settings.
	c := ok.clone()
	c.Briefing.At = "09:00"
	if ok.Briefing.At != "08:00" {
		t.Error("clone shares the briefing")
	}
}
