//go:build race

package bot

// raceEnabled is true when the race detector is on; it makes every parser
// process start and run some ten times slower.
const raceEnabled = true
