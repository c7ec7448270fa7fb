//go:build !race

package fetchtest

const raceEnabled = false
