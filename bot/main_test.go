package bot

import (
	"os"
	"testing"

	"github.com/newsbot/newsbot/retrieval/fetch"
	"github.com/newsbot/newsbot/retrieval/fetch/fetchtest"
)

// TestMain lets this test binary serve as the parser process that reads
// PDFs and web pages (see fetch.RunParserProcess), or under the race detector starts a build of it
// without the detector (see fetchtest).
func TestMain(m *testing.M) {
	fetch.RunParserProcess()
	fetchtest.Parser(fetch.SetParserProgram)
	os.Exit(m.Run())
}
