package main

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"
)

// asOf is the --as-of flag: the day a question is read against instead of
// today, so "this week" and "latest" can be asked of an old library or a
// benchmark's quiz week.
type asOf struct{ t time.Time }

var _ pflag.Value = (*asOf)(nil)

func (a *asOf) String() string {
	if a.t.IsZero() {
		return ""
	}
	return a.t.Format(time.DateOnly)
}

func (a *asOf) Set(s string) error {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return fmt.Errorf("--as-of must be a date like 2024-05-31, not %q", s)
	}
	a.t = t
	return nil
}

// Type names the value in help and in the error for a bad one: "--as-of
// must be a date (YYYY-MM-DD)".
func (a *asOf) Type() string { return "date (YYYY-MM-DD)" }

// addAsOf adds --as-of to a command's flags.
func addAsOf(f *pflag.FlagSet, a *asOf) {
	f.Var(a, "as-of", "read the question as if asked on this day (default: today)")
}
