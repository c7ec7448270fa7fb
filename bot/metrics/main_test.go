package metrics_test

import (
	"os"
	"testing"

	"github.com/newsbot/newsbot/retrieval/fetch"
)

// TestMain lets this test binary serve as the parser process that reads
// the feeds (see fetch.RunParserProcess).
func TestMain(m *testing.M) {
	fetch.RunParserProcess()
	os.Exit(m.Run())
}
