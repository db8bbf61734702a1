//go:build !race

package zlibenc_test

const raceEnabled = false
