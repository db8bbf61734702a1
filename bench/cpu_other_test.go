//go:build !unix

package bench

import (
	"testing"
	"time"
)

// cpuTime reports no CPU time where getrusage is missing.
func cpuTime() time.Duration { return -1 }

// reportCPU reports nothing where getrusage is missing.
func reportCPU(*testing.B, time.Duration) {}
