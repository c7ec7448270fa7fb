package discordtest

import (
	"flag"
	"os"
	"testing"
)

// Main runs a test binary with up to 8 tests at once unless
// -test.parallel says otherwise; call it from TestMain. Tests against the
// fake mostly wait on it, so running
// only GOMAXPROCS of them at a time leaves the machine idle. The command
// line still wins: m.Run parses it after this.
func Main(m *testing.M) {
	flag.Set("test.parallel", "8")
	os.Exit(m.Run())
}
