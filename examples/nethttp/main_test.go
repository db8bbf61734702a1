package main

import (
	"testing"

	"github.com/sessionkit/sessionkit/examples/internal/shoptest"
)

// TestShop runs the checks every example shares: log in, cart, flash
// messages, log out (see examples/internal/shoptest).
func TestShop(t *testing.T) { shoptest.Run(t, newApp) }
