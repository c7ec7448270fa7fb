// Command newsbot answers questions about news articles with citations to
// the exact paragraphs, in Discord and in the terminal.
//
// Run "newsbot --help" for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/newsbot/newsbot/retrieval/fetch"
)

// stopGrace is how long a command has to wind down after SIGINT or SIGTERM
// before the process ends anyway; serve first finishes answers in flight
// (up to 20 s). Every write is crash-safe, so ending mid-write loses
// nothing that was reported done.
var stopGrace = map[bool]time.Duration{false: 5 * time.Second, true: 30 * time.Second}

func main() {
	// A copy of this binary reads each untrusted PDF and web page, in a
	// process of its own that can be killed (see fetch.Limits).
	fetch.RunParserProcess()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process at once
		time.Sleep(stopGrace[slices.Contains(os.Args[1:], "serve")])
		fmt.Fprintln(os.Stderr, "newsbot: stopped before finishing cleanly.")
		os.Exit(1)
	}()
	for _, w := range unknownVariables(os.Environ()) {
		fmt.Fprintln(os.Stderr, "newsbot:", w)
	}
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "newsbot:", sentence(err))
		os.Exit(exitCode(err))
	}
}

// exitCode is 2 for a mistake in the command line, as for most Unix
// commands, and 1 for anything else that failed.
func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// run is the whole program, callable from tests: args without the program
// name, the environment through getenv, and the standard streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := newRoot(&env{ctx: ctx, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, args: args})
	cmd.SetArgs(args)
	return cmd.ExecuteContext(ctx)
}
