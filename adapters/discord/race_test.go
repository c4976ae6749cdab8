//go:build race

package discord_test

// raceEnabled: the race detector slows everything several times over, so timings mean nothing.
const raceEnabled = true
