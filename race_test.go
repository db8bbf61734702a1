//go:build race

package sessionkit_test

const raceEnabled = true
