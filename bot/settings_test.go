package bot

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestSettingsFileSurvivesReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "settings.json")
	f, err := OpenSettingsFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if s, err := f.Settings(ctx, "1001"); err != nil || len(s.Channels) != 0 || s.RatePerMinute != 0 {
		t.Fatalf("a new server's settings: %+v, %v; want the zero value", s, err)
	}
	_, err = f.UpdateSettings(ctx, "1001", func(s *Settings) error {
		s.Channels = []string{"2001", "2002"}
		s.RatePerMinute, s.Burst, s.NoThreads, s.Language = 10, 4, true, "German"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	again, err := OpenSettingsFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := again.Settings(ctx, "1001")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(s.Channels, ",") != "2001,2002" || s.RatePerMinute != 10 || s.Burst != 4 || !s.NoThreads || s.Language != "German" || s.UpdatedAt.IsZero() {
		t.Errorf("after reopening: %+v", s)
	}
	if other, _ := again.Settings(ctx, "1002"); len(other.Channels) != 0 {
		t.Errorf("another server got settings: %+v", other)
	}
	all, _ := again.AllSettings(ctx)
	if len(all) != 1 {
		t.Errorf("AllSettings has %d scopes, want 1", len(all))
	}
}

func TestSettingsFileRefusesBadValuesAndKeepsTheOld(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "settings.json")
	f, err := OpenSettingsFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := f.UpdateSettings(ctx, "1001", func(s *Settings) error { s.RatePerMinute = 5; return nil }); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		fn   func(*Settings) error
		want string
	}{
		{"rate too high", func(s *Settings) error { s.RatePerMinute = 61; return nil }, "Questions per minute must be between 1 and 60."},
		{"negative burst", func(s *Settings) error { s.Burst = -1; return nil }, "The burst must be between 1 and 10 questions."},
		{"unknown language", func(s *Settings) error { s.Language = "Klingon"; return nil }, `"Klingon" is not a language I can answer in; pick one from the list.`},
		{"too many channels", func(s *Settings) error { s.Channels = make([]string, 51); return nil }, "The bot can be limited to at most 50 channels."},
		{"fn refuses", func(s *Settings) error { return &InputError{Err: errors.New("no")} }, "No."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.UpdateSettings(ctx, "1001", tt.fn)
			if got := UserMessage(err); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if s, _ := f.Settings(ctx, "1001"); s.RatePerMinute != 5 || s.Burst != 0 || s.Language != "" || len(s.Channels) != 0 {
				t.Errorf("a refused change was kept: %+v", s)
			}
		})
	}
	if data, err := os.ReadFile(path); err != nil || !strings.Contains(string(data), `"rate_per_minute": 5`) {
		t.Errorf("file after refusals: %s, %v", data, err)
	}
}

// Concurrent updates each see the one before: none is lost.
func TestSettingsFileUpdatesDoNotInterleave(t *testing.T) {
	t.Parallel()
	f, err := OpenSettingsFile(filepath.Join(t.TempDir(), "settings.json"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.UpdateSettings(ctx, "1001", func(s *Settings) error {
				s.Channels = append(s.Channels, "2001")
				return nil
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if s, _ := f.Settings(ctx, "1001"); len(s.Channels) != 20 {
		t.Errorf("%d of 20 updates kept", len(s.Channels))
	}
}

func TestLanguageNamed(t *testing.T) {
	for in, want := range map[string]string{"german": "German", " Chinese  (simplified) ": "Chinese (Simplified)", "klingon": ""} {
		if got, _ := LanguageNamed(in); got != want {
			t.Errorf("LanguageNamed(%q) = %q, want %q", in, got, want)
		}
	}
}
