package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/internal/fixture"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// fixtureApp is an app on a fixture /proc, an hour after the fixture's
// boot, with the IANA registry alone (not this host's /etc/services), run
// by id.
func fixtureApp(stdout, stderr io.Writer, id inspect.Identity) *app {
	a := newApp(stdout, stderr)
	a.clock = fixedClock{time.Unix(1700000000+3600, 0)}
	a.getenv = func(string) string { return "" }
	a.open = func(root string) (inspect.System, error) { return inspect.Fixture(root, id), nil }
	return a
}

// fixedClock is a clock stopped at one time.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

func (c fixedClock) Sleep(ctx context.Context, d time.Duration) error { return ctx.Err() }

// Identities the goldens are seen by.
var (
	asRoot  = inspect.Identity{EUID: 0}
	asAlice = inspect.Identity{EUID: 1000}
)

// rootsView materializes the basic fixture as root sees it: root reads
// sshd's fd directory, whose mode is 000, so the test makes it readable
// to whoever runs it.
func rootsView(t *testing.T) string {
	root := fixture.Materialize(t, "../../testdata/proc/basic.txt")
	if err := os.Chmod(filepath.Join(root, "500", "fd"), 0o500); err != nil {
		t.Fatal(err)
	}
	return root
}

// checkGolden compares got with testdata/golden/name, or rewrites it.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestGolden(t *testing.T) {
	basic := fixture.Materialize(t, "../../testdata/proc/basic.txt")
	basicAsRoot := rootsView(t)
	who := fixture.Materialize(t, "../../testdata/proc/who.txt")
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		asRoot bool // root's view: the fixture's mode-000 fd directory is readable to root
		root   string
	}{
		{"port-80.txt", []string{"80"}, 0, false, ""},
		{"port-80.json", []string{"--json", "80"}, 0, true, ""},
		{"port-80-quiet.txt", []string{"-q", "80"}, 0, false, ""},
		{"port-5432-clients.txt", []string{"-a", "5432"}, 0, false, ""},
		{"port-8080-timewait.txt", []string{"8080"}, 0, false, ""},
		{"port-53-udp.txt", []string{"53/udp"}, 0, false, ""},
		{"port-free.txt", []string{"3000", "8000-8010"}, 1, false, ""},
		{"port-tcp-ipv6.txt", []string{"-t", "-6", "1-65535"}, 0, false, ""},
		{"listing.txt", nil, 0, true, ""},
		{"listing-all.txt", []string{"-a"}, 0, true, ""},
		{"lookup.txt", []string{"lookup", "80", "8080", "redis", "53/udp", "6000-6010", "x11", "27017"}, 0, false, ""},
		{"lookup.json", []string{"lookup", "--json", "22", "50000/tcp"}, 0, false, ""},
		{"by-process.txt", []string{"--by-process", "-a"}, 0, true, ""},
		{"filter-state.txt", []string{"--state", "established,time-wait"}, 0, false, ""},
		{"filter-pid.txt", []string{"-p", "101", "-a"}, 0, false, ""},
		{"filter-command.txt", []string{"-c", "POSTGRES"}, 0, false, ""},
		{"filter-user.txt", []string{"--user", "7000", "-a"}, 0, true, ""},
		{"filter-class.txt", []string{"--class", "system", "-u"}, 0, false, ""},
		{"filter-nothing.txt", []string{"-p", "999"}, 1, false, ""},
		{"filter-query.txt", []string{"-a", "--state", "established", "5432"}, 0, false, ""},
		{"who-listing.txt", nil, 0, false, who},
		{"who-by-process.txt", []string{"--by-process"}, 0, false, who},
		{"who-8080.json", []string{"--json", "8080"}, 0, false, who},
		{"who-port-22.txt", []string{"22", "631", "3000"}, 0, false, who},
	} {
		root, id := basic, asAlice
		if c.asRoot {
			root, id = basicAsRoot, asRoot
		}
		if c.root != "" {
			root = c.root
		}
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := fixtureApp(&out, &errb, id).run(context.Background(), append([]string{"--proc-root", root}, c.args...))
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, c.code, errb.String())
			}
			checkGolden(t, c.name, out.String())
			if s := errb.String(); s != "" && !strings.Contains(s, "skipped a line that does not parse") {
				t.Errorf("unexpected stderr: %s", s)
			}
		})
	}
}

// TestEscapesOtherProcessesStrings: a command line with escape sequences,
// newlines and a bidi override reaches the terminal escaped.
func TestEscapesOtherProcessesStrings(t *testing.T) {
	root := fixture.Materialize(t, "../../testdata/proc/basic.txt")
	evil := "nginx\x1b[31m red\x1b]0;title\x07\nfake line\u202e\x00-x\x00"
	if err := os.WriteFile(filepath.Join(root, "101", "cmdline"), []byte(evil), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	fixtureApp(&out, &errb, asAlice).run(context.Background(), []string{"--proc-root", root, "--color=always", "80"})
	got := out.String()
	for _, raw := range []string{"\x1b[31m red", "\x1b]0", "\x07", "\nfake line", "\u202e"} {
		if strings.Contains(got, raw) {
			t.Errorf("output holds %q raw:\n%s", raw, got)
		}
	}
	if !strings.Contains(got, `\x1b[31m`) || !strings.Contains(got, `\n`) || !strings.Contains(got, `\u202e`) {
		t.Errorf("output should show the escapes:\n%s", got)
	}
}
