//go:build race

package fetch

// slowerParser gives the parser process the memory the race detector costs it: shadow memory on
// top of the heap.
func slowerParser(l Limits) Limits {
	l = l.withDefaults()
	l.Memory *= 4
	return l
}
