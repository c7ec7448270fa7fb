//go:build !race

package bot

// raceEnabled is true when the race detector is on.
const raceEnabled = false
