package retrieval

import (
	"os"
	"testing"
)

// cleanups remove what tests share across the package (see healLibrary),
// after every test has run.
var cleanups []func()

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range cleanups {
		f()
	}
	os.Exit(code)
}
