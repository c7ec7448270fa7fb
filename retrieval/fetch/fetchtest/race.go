//go:build race

package fetchtest

const raceEnabled = true
