//go:build !race

package fastzlib_test

const raceEnabled = false
