//go:build !race

package discord_test

const raceEnabled = false
