// Package fetchtest gives test binaries the document parser process that people run.
//
// fetch reads every untrusted document in a child process. By default that child is the running
// binary started again, which under `go test -race` is the test binary with the race detector:
// ten times slower than the real parser and with several times its memory, so the hostile
// documents' limits would be tested against a different program and each refusal would cost
// seconds. Parser builds the parser once per `go test` run without the detector and points fetch
// at it; the parsing code under test is the same, only its instrumentation differs, and the
// code that runs in the test binary itself keeps the detector.
package fetchtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// programEnv names the built parser to the test binary's own subprocesses (a test that runs the
// binary as newsbot), so that they reuse it instead of building it again.
const programEnv = "NEWSBOT_TEST_PARSER_PROGRAM"

// parserPackage is the command built as the parser program.
const parserPackage = "github.com/newsbot/newsbot/retrieval/fetch/fetchtest/parser"

// Parser builds the parser program without the race detector when this binary has the detector,
// and gives its path to use (fetch.SetParserProgram; fetch is not imported here, so that fetch's
// own tests can call this). It returns a function that removes the build; call it after m.Run.
// Without the race detector the test binary is already the program people run and nothing is
// built. A build that fails is said on stderr and the test binary parses as before.
func Parser(use func(path string)) (done func()) {
	if !raceEnabled {
		return func() {}
	}
	if p := os.Getenv(programEnv); p != "" {
		if _, err := os.Stat(p); err == nil {
			use(p)
			return func() {}
		}
	}
	dir, err := os.MkdirTemp("", "newsbot-parser-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "fetchtest: %v; parsing in the test binary\n", err)
		return func() {}
	}
	path := filepath.Join(dir, "parser")
	if err := build(path); err != nil {
		fmt.Fprintf(os.Stderr, "fetchtest: build the parser without the race detector: %v; parsing in the test binary\n", err)
		os.RemoveAll(dir)
		return func() {}
	}
	os.Setenv(programEnv, path)
	use(path)
	return func() { os.RemoveAll(dir) }
}

// build runs go build, which `go test` puts first on the PATH and whose cache makes every build
// after the first a link.
func build(out string) error {
	b, err := exec.Command("go", "build", "-o", out, parserPackage).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(b)))
	}
	return nil
}
