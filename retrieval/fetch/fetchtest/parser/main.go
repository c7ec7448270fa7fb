// Command parser is newsbot's document parser process on its own, for tests: fetchtest builds it
// without the race detector, as newsbot itself is built for people, and test binaries start it
// to read documents (see fetch.SetParserProgram). It is useless by hand: it reads one parse
// request on stdin only when newsbot started it as a parser process.
package main

import (
	"fmt"
	"os"

	"github.com/newsbot/newsbot/retrieval/fetch"
)

func main() {
	fetch.RunParserProcess()
	fmt.Fprintln(os.Stderr, "parser: newsbot starts this program to read one document; it does nothing on its own")
	os.Exit(2)
}
