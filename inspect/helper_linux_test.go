package inspect

import (
	"bufio"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// helperChild is this test binary started again as a helper for a test:
// its pid, and what it said ("key value" lines) before "ready".
type helperChild struct {
	pid  int32
	said map[string]string
}

// startHelper starts cmd, the test binary as a helper named name, and
// waits for its "ready" (or "error why"). When the test ends the helper's
// stdin is closed, its cue to let go and exit, and it is killed and
// waited for.
func startHelper(t *testing.T, name string, cmd *exec.Cmd) *helperChild {
	t.Helper()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	c := &helperChild{pid: int32(cmd.Process.Pid), said: map[string]string{}}
	for sc := bufio.NewScanner(stdout); sc.Scan(); {
		k, v, _ := strings.Cut(sc.Text(), " ")
		switch k {
		case "ready":
			return c
		case "error":
			t.Fatalf("helper %s: %s", name, v)
		}
		c.said[k] = v
	}
	t.Fatalf("helper %s ended before it was ready", name)
	return nil
}

// port is the port the helper said under key.
func (c *helperChild) port(t *testing.T, key string) uint16 {
	t.Helper()
	p, err := strconv.ParseUint(c.said[key], 10, 16)
	if err != nil {
		t.Fatalf("helper's %s: %q", key, c.said[key])
	}
	return uint16(p)
}
