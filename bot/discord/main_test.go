package discord

import (
	"flag"
	"os"
	"testing"

	"github.com/newsbot/newsbot/retrieval/fetch"
)

// TestMain lets this test binary serve as the parser process that reads
// PDFs and web pages (see fetch.RunParserProcess), and runs up to 8 tests
// at once unless -test.parallel says otherwise. Each test has its own fake
// Discord and model and spends most of its time waiting on them (and a
// second in discordgo's Close), so running only GOMAXPROCS of them at a
// time leaves the machine idle. The command line still wins: m.Run parses
// it after this.
func TestMain(m *testing.M) {
	fetch.RunParserProcess()
	flag.Set("test.parallel", "8")
	os.Exit(m.Run())
}
