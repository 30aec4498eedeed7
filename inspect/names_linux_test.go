package inspect

import (
	"context"
	"fmt"
	"testing"

	"github.com/whoport/whoport/internal/fixture"
)

func TestStatName(t *testing.T) {
	for in, want := range map[string]string{
		"100 (nginx) S 1 100":          "nginx",
		"7 (a (b) c) S 1 7":            "a (b) c",
		"9 (tmux: server) S 1 9 0 0 0": "tmux: server",
		"no name":                      "",
	} {
		if got := statName([]byte(in)); got != want {
			t.Errorf("statName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestProcessesFixture: the processes of a fixture, kernel threads left
// out, each named.
func TestProcessesFixture(t *testing.T) {
	root := fixture.Materialize(t, "../testdata/proc/basic.txt")
	ps, err := Fixture(root, Identity{}).Processes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[int32]string{}
	for _, p := range ps {
		got[p.PID] = p.Name
	}
	want := map[int32]string{100: "nginx", 101: "nginx", 200: "postgres", 300: "psql", 400: "dnsmasq", 500: "sshd", 600: "gone"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v (no kernel thread 2)", got, want)
	}
}

func TestOpenFiles(t *testing.T) {
	n, err := liveOrSkip(t).OpenFiles()
	if err != nil || n <= 0 {
		t.Errorf("OpenFiles() = %d, %v; want some open files", n, err)
	}
}

func liveOrSkip(t *testing.T) System {
	t.Helper()
	s, err := Open("/proc")
	if err != nil {
		t.Skip(err)
	}
	return s
}
