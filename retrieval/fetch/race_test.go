//go:build race

package fetch

// slowerParser gives the parser process the memory the race detector costs it, shadow memory on
// top of the heap, when the parser is this test binary; a parser program built without the
// detector (fetchtest) keeps the limits people run with.
func slowerParser(l Limits) Limits {
	if p := parserProgram.Load(); p != nil && *p != "" {
		return l
	}
	l = l.withDefaults()
	l.Memory *= 4
	return l
}
