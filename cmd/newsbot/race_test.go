//go:build race

package main

// raceEnabled is true when the race detector is on; it makes every parser
// process start and run some ten times slower.
const raceEnabled = true
