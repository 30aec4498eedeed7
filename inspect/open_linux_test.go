package inspect

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestOpenChecksTheRoot: a root that is missing, empty or not a procfs
// mount is a RootError; /proc written otherwise is the live host.
func TestOpenChecksTheRoot(t *testing.T) {
	for _, root := range []string{"", "/nonexistent", t.TempDir(), "/tmp", "/sys"} {
		_, err := Open(root)
		var re *RootError
		if !errors.As(err, &re) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Open(%q): got %v, want a one-line RootError", root, err)
		}
	}
	for _, root := range []string{"/proc", "/proc/", "/proc/.", "/proc/../proc"} {
		s, err := Open(root)
		if err != nil || !s.Live() {
			t.Errorf("Open(%q): got live=%v, %v; want the live host", root, s.Live(), err)
		}
	}
}

// TestOpenBindMountIsLive: a bind mount of /proc elsewhere is the same
// procfs, so the same live host. The mount is made in a mount namespace
// of its own, which dies with the child.
func TestOpenBindMountIsLive(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting needs root")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare(1) is not installed")
	}
	dir := t.TempDir()
	// The child binds /proc on dir in its own mount namespace and runs
	// this test binary's TestOpenHelper there.
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c",
		`mount --bind /proc "$1" && exec "$2" -test.run '^TestOpenHelper$'`, "sh", dir, os.Args[0])
	cmd.Env = append(os.Environ(), "WHOPORT_OPEN_ROOT="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "Operation not permitted") {
			t.Skipf("the kernel refuses a mount namespace here: %s", out)
		}
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "live") {
		t.Errorf("a bind mount of /proc: got %q, want it live", out)
	}
}

// TestOpenHelper runs in TestOpenBindMountIsLive's child.
func TestOpenHelper(t *testing.T) {
	root := os.Getenv("WHOPORT_OPEN_ROOT")
	if root == "" {
		t.Skip("run by TestOpenBindMountIsLive")
	}
	s, err := Open(root)
	if err != nil || !s.Live() {
		t.Fatalf("Open(%q): live=%v, %v", root, s.Live(), err)
	}
	os.Stdout.WriteString("live\n")
}

func TestParseHidepid(t *testing.T) {
	info := `22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
36 22 0:4 / /proc rw,relatime - proc proc rw,hidepid=invisible
40 1 0:30 / /mnt/my\040proc rw - proc proc rw,hidepid=2
41 1 0:31 / /mnt/open rw - proc proc rw,hidepid=0
42 1 0:32 / /srv rw - ext4 /dev/sda1 rw,hidepid=2
`
	for _, c := range []struct{ point, want string }{
		{"/proc", "hidepid=invisible"}, // the last mount on a point covers the others
		{"/mnt/my proc", "hidepid=2"},
		{"/mnt/open", ""},
		{"/srv", ""}, // not a procfs
		{"/nowhere", ""},
	} {
		if got := parseHidepid(strings.NewReader(info), c.point); got != c.want {
			t.Errorf("parseHidepid(%q) = %q, want %q", c.point, got, c.want)
		}
	}
}
