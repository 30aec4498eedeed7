package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/whoport/whoport/internal/fixture"
)

// TestUntrustedRoots: a proc root that is missing, empty or not a procfs
// is an error with one line, never "not in use" or "nothing to do"; and
// /proc written otherwise is the live host.
func TestUntrustedRoots(t *testing.T) {
	l := holdSockets(t, "listen-on", "127.0.0.1:0")
	port := l.said["port"] + "/tcp"
	for _, root := range []string{"/nonexistent", "/tmp", "", t.TempDir()} {
		for _, args := range [][]string{{port}, {"kill", "--yes", port}, {"audit"}, {"why", port}, {"lookup", "8080"}} {
			r := runIn(append([]string{"--proc-root", root}, args...)...)
			if r.code != 2 || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
				t.Errorf("--proc-root %q %v: exit %d, stdout %q, stderr %q; want exit 2 and one line", root, args, r.code, r.stdout, r.stderr)
			}
		}
	}
	for _, root := range []string{"/proc/", "/proc/."} {
		r := runIn("--proc-root", root, "--json", "-p", fmt.Sprint(l.pid), port)
		if doc := decode(t, r); r.code != 0 || len(doc.Sockets) != 1 || doc.Source != "sock_diag" {
			t.Errorf("--proc-root %s: exit %d, %d sockets from %q; want the child's listener from sock_diag", root, r.code, len(doc.Sockets), doc.Source)
		}
	}
	if !alive(l.pid) {
		t.Errorf("pid %d was signalled", l.pid)
	}
}

// TestFixtureRootActsOnNothing: on a fixture, why, free, wait and kill say
// that they act on the live host only; they never probe the live host to
// explain the fixture's sockets.
func TestFixtureRootActsOnNothing(t *testing.T) {
	root := fixture.Materialize(t, "../../testdata/proc/basic.txt")
	for _, args := range [][]string{{"why", "80"}, {"free"}, {"wait", "80", "--free"}, {"kill", "--yes", "80"}, {"kill", "--dry-run", "80"}} {
		var out, errb strings.Builder
		code := fixtureApp(&out, &errb, asRoot).run(t.Context(), append([]string{"--proc-root", root}, args...))
		first, _, _ := strings.Cut(errb.String(), "\n")
		if code != 2 || out.String() != "" || !strings.Contains(first, "acts on the live host") {
			t.Errorf("%v on a fixture: exit %d, stdout %q, stderr %q; want exit 2 and why", args, code, out.String(), errb.String())
		}
	}
}

// TestV6OnlyUnknownFromProcNet: /proc/net does not say whether [::]:80 is
// v6-only: JSON has null, the text says it is not known.
func TestV6OnlyUnknownFromProcNet(t *testing.T) {
	root := fixture.Materialize(t, "../../testdata/proc/basic.txt")
	var out, errb strings.Builder
	if code := fixtureApp(&out, &errb, asAlice).run(t.Context(), []string{"--proc-root", root, "--json", "80/tcp"}); code != 0 {
		t.Fatalf("--json 80/tcp: exit %d, want 0; stderr: %s", code, errb.String())
	}
	doc := decode(t, result{stdout: out.String()})
	families := map[string]int{}
	for _, s := range doc.Sockets {
		families[s.Family]++
		if s.Family == "ipv6" && s.V6Only != nil || s.Family == "ipv4" && (s.V6Only == nil || *s.V6Only) {
			t.Errorf("%s %s:%d: v6only %v; want null for IPv6 sockets from /proc/net, false for IPv4", s.Family, s.Local.Addr, s.Local.Port, s.V6Only)
		}
	}
	if families["ipv6"] == 0 || families["ipv4"] == 0 {
		t.Errorf("got sockets of families %v; want IPv4 and IPv6 ones on 80 (the fixture's 0.0.0.0:80 and [::]:80):\n%s", families, out.String())
	}
	out.Reset()
	if code := fixtureApp(&out, &errb, asAlice).run(t.Context(), []string{"--proc-root", root, "80/tcp"}); code != 0 {
		t.Fatalf("80/tcp: exit %d, want 0; stderr: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "[::]:80       (IPv4 too, unless V6ONLY: /proc/net does not say)") {
		t.Errorf("text: want the unknown said:\n%s", out.String())
	}
}

// TestFailedWrite: output that cannot be written is an error, exit 2.
func TestFailedWrite(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full here")
	}
	defer full.Close()
	for _, args := range [][]string{{"lookup", "8080"}, {"lookup", "--json", "8080"}, {"-a"}} {
		cmd := whoportCmd(args...)
		var errb strings.Builder
		cmd.Stdout, cmd.Stderr = full, &errb
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(errb.String(), "no space left on device") {
			t.Errorf("whoport %v >/dev/full: %v, stderr %q; want exit 2 and the error", args, err, errb.String())
		}
	}
}

// TestHidepid: on a procfs mounted with hidepid=2, nobody does not even
// see root's processes; their sockets are hidden, not holderless, and the
// hint names the mount option. The mount is made in a mount namespace of
// the child's own.
func TestHidepid(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to mount a procfs and run whoport as nobody")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare(1) is not installed")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("setpriv(1) is not installed")
	}
	l := holdSockets(t, "listen-on", "127.0.0.1:0")
	dir, err := os.MkdirTemp("", "whoport-proc-") // where nobody may go
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(dir) })
	os.Chmod(dir, 0o755)
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c",
		`mount -t proc -o hidepid=2 proc "$1" && shift && exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"`,
		"sh", dir, whoportBin, "--proc-root", dir, "--json", l.said["port"]+"/tcp")
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	cmd.Dir = "/"
	r := runCmd(t, cmd)
	if strings.Contains(r.stderr, "mount") && r.code != 0 && r.stdout == "" {
		t.Skipf("cannot mount a procfs with hidepid here: %s", r.stderr)
	}
	doc := decode(t, r)
	hidepid := doc.Hidepid == "hidepid=2" || doc.Hidepid == "hidepid=invisible" // as the kernel spells it
	if r.code != 0 || len(doc.Sockets) != 1 || !doc.Sockets[0].HoldersHidden || !hidepid {
		t.Errorf("exit %d, %+v; want the listener, its holder hidden by hidepid=2", r.code, doc)
	}
	if !strings.Contains(r.stderr, doc.Hidepid) || !strings.Contains(r.stderr, "run as root") {
		t.Errorf("stderr %q: want the hint to name %s and root", r.stderr, doc.Hidepid)
	}
}
