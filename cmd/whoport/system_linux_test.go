package main

import (
	"testing"

	"github.com/whoport/whoport/inspect"
)

// liveSystem opens the live host, as whoport does.
func liveSystem(t *testing.T) inspect.System {
	t.Helper()
	sys, err := inspect.Open("/proc")
	if err != nil {
		t.Fatal(err)
	}
	return sys
}
