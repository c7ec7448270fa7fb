// Package fetchtest gives test binaries the document parser process that people run.
//
// fetch reads every untrusted document in a child process. By default that child is the running
// binary started again, which under `go test -race` is the test binary with the race detector:
// ten times slower than the real parser and with several times its memory, so the hostile
// documents' limits would be tested against a different program and each refusal would cost
// seconds. Parser builds the parser once without the detector and points fetch at it; the parsing code under test is the same, only its instrumentation differs, and the
// code that runs in the test binary itself keeps the detector.
package fetchtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Parser finds the parser program built without the race detector when this binary has the
// detector, and gives its path to use (fetch.SetParserProgram; fetch is not imported here, so
// that fetch's own tests can call this). The program is a tool of the module (go.mod), which `go
// tool -n` builds once into the build cache and then only finds: test binaries and the processes
// they start share one build. Without the race detector the test binary is already the program
// people run and nothing is built. A build that fails is said on stderr and the test binary
// parses as before. Call it in TestMain, after fetch.RunParserProcess.
func Parser(use func(path string)) {
	if !raceEnabled {
		return
	}
	if p := os.Getenv(programEnv); p != "" {
		use(p) // found by the test binary that started this one
		return
	}
	path, err := Tool(parserTool)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fetchtest: build the parser without the race detector: %v; parsing in the test binary\n", err)
		return
	}
	os.Setenv(programEnv, path)
	use(path)
}

// programEnv names the parser program to the processes a test binary starts as newsbot, so that
// they need not ask go tool again.
const programEnv = "NEWSBOT_TEST_PARSER_PROGRAM"

// parserTool is the parser command, as go.mod's tool directive names it.
const parserTool = "github.com/newsbot/newsbot/retrieval/fetch/fetchtest/parser"

// Tool is the path of the cached executable of one of the module's tools (go.mod), built without
// the race detector if it is not there yet. `go test` puts the go command that runs it first on
// the PATH.
func Tool(pkg string) (string, error) {
	out, err := exec.Command("go", "tool", "-n", pkg).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", err
	}
	path := strings.TrimSpace(string(out))
	if _, err := os.Stat(path); err != nil {
		return "", err
	}
	return path, nil
}
