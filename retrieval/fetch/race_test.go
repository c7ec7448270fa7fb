//go:build race

package fetch

// slowerParser gives the parser process the time and memory the race detector costs it: some
// ten times the time, and shadow memory on top of the heap.
func slowerParser(l Limits) Limits {
	l = l.withDefaults()
	l.Timeout *= 6
	l.Memory *= 4
	return l
}
