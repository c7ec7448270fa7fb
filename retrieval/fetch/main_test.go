package fetch

import (
	"os"
	"testing"

	"github.com/newsbot/newsbot/retrieval/fetch/fetchtest"
)

// TestMain lets this test binary serve as the parser process the package starts, and under the
// race detector starts a build of the parser without it instead (see fetchtest).
func TestMain(m *testing.M) {
	RunParserProcess()
	fetchtest.Parser(SetParserProgram)
	os.Exit(m.Run())
}
