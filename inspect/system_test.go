package inspect

import "testing"

// liveSystem opens the live host's /proc.
func liveSystem(tb testing.TB) System {
	tb.Helper()
	s, err := Open("/proc")
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
