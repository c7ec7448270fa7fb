package fetch

import (
	"os"
	"testing"
)

// TestMain lets this test binary serve as the parser process the package starts.
func TestMain(m *testing.M) {
	RunParserProcess()
	os.Exit(m.Run())
}
