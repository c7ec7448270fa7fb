package bot

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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

func TestLanguageNamed(t *testing.T) {
	for in, want := range map[string]string{"german": "German", " Chinese  (simplified) ": "Chinese (Simplified)", "klingon": ""} {
		if got, _ := LanguageNamed(in); got != want {
			t.Errorf("LanguageNamed(%q) = %q, want %q", in, got, want)
		}
	}
}
