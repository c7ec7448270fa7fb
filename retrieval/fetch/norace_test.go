//go:build !race

package fetch

// slowerParser leaves the limits as they are outside the race detector.
func slowerParser(l Limits) Limits { return l }
