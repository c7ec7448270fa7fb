package discord

import (
	"testing"

	"github.com/newsbot/newsbot/bot/discord/discordtest"
	"github.com/newsbot/newsbot/retrieval/fetch"
)

// TestMain lets this test binary serve as the parser process that reads
// PDFs and web pages (see fetch.RunParserProcess), and runs the tests side
// by side (see discordtest.Main).
func TestMain(m *testing.M) {
	fetch.RunParserProcess()
	discordtest.Main(m)
}
