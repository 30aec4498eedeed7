package inspect

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/whoport/whoport/internal/fixture"
)

// who writes what a process really is, for comparison.
func who(p *Process) string {
	var f []string
	if p.Unit != "" {
		f = append(f, "unit="+p.Unit)
	}
	if p.UserUnit {
		f = append(f, "user-unit")
	}
	if c := p.Container; c != nil {
		f = append(f, fmt.Sprintf("container=%s:%s", c.Runtime, c.ShortID()))
		if c.Pod != "" {
			f = append(f, "pod="+c.Pod)
		}
	}
	if p.ForwardsTo != "" {
		f = append(f, "forwards="+p.ForwardsTo)
	}
	if p.ExeDeleted {
		f = append(f, "deleted="+p.Exe)
	}
	if len(p.SocketUnits) > 0 {
		f = append(f, "sockets="+strings.Join(p.SocketUnits, ","))
	}
	return strings.Join(f, " ")
}

func TestWhoFixture(t *testing.T) {
	root := fixture.Materialize(t, "../testdata/proc/who.txt")
	snap, err := Fixture(root, Identity{}).Collect(context.Background(), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	const pod = "pod=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	want := map[uint16]string{
		80:   "unit=nginx.service",
		81:   "unit=nginx-v1.service",
		3000: "unit=devserver.service user-unit",
		3001: "unit=devserver-v1.service user-unit",
		6379: "container=docker:a1a1a1a1a1a1",
		6380: "container=docker:b2b2b2b2b2b2",
		5432: "container=podman:c3c3c3c3c3c3",
		5433: "container=podman:c7c7c7c7c7c7",
		9002: "",
		53:   "container=containerd:d4d4d4d4d4d4 " + pod,
		8181: "container=kubernetes:e5e5e5e5e5e5 " + pod,
		8282: "container=cri-o:f6f6f6f6f6f6 " + pod,
		8080: "unit=docker.service forwards=172.17.0.2:80/tcp",
		22:   "unit=ssh.service deleted=/usr/sbin/sshd",
		631:  "unit=cups.service sockets=cups.socket",
		9000: "",
		9001: "",
	}
	if len(snap.Sockets) != len(want) {
		t.Fatalf("got %d sockets, want %d", len(snap.Sockets), len(want))
	}
	for _, s := range snap.Sockets {
		if len(s.Holders) != 1 {
			t.Errorf("port %d: got %d holders, want 1", s.Local.Port(), len(s.Holders))
			continue
		}
		if got := who(s.Holders[0]); got != want[s.Local.Port()] {
			t.Errorf("port %d: got %q, want %q", s.Local.Port(), got, want[s.Local.Port()])
		}
	}
}

func TestCgroupPath(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"0::/system.slice/nginx.service\n", "/system.slice/nginx.service"},
		{"0::/\n", "/"},
		{"", ""},
		// v1: the systemd hierarchy wins over controllers.
		{"12:pids:/docker/x\n1:name=systemd:/system.slice/a.service\n", "/system.slice/a.service"},
		// hybrid: the unified one wins when it says something.
		{"1:name=systemd:/system.slice/a.service\n0::/system.slice/b.service\n", "/system.slice/b.service"},
		{"1:name=systemd:/system.slice/a.service\n0::/\n", "/system.slice/a.service"},
		{"3:memory:/docker/abc\n2:cpu:/\n", "/docker/abc"},
		{"garbage\n", ""},
	} {
		if got := cgroupPath([]byte(c.in)); got != c.want {
			t.Errorf("cgroupPath(%q): got %q, want %q", c.in, got, c.want)
		}
	}
}

func TestUnitOf(t *testing.T) {
	id := strings.Repeat("ab", 32)
	for _, c := range []struct {
		in   string
		unit string
		user bool
	}{
		{"/system.slice/nginx.service", "nginx.service", false},
		{"/system.slice/system-getty.slice/getty@tty1.service", "getty@tty1.service", false},
		{"/user.slice/user-1000.slice/user@1000.service/app.slice/x.service", "x.service", true},
		{"/user.slice/user-1000.slice/user@1000.service/init.scope", "init.scope", true},
		{"/user.slice/user-1000.slice/session-2.scope", "session-2.scope", false},
		{"/init.scope", "init.scope", false},
		{"/system.slice/docker-" + id + ".scope", "", false},
		{"/machine.slice/libpod-" + id + ".scope/container", "", false},
		{"/", "", false},
		{"/docker/" + id, "", false},
	} {
		unit, user := unitOf(c.in)
		if unit != c.unit || user != c.user {
			t.Errorf("unitOf(%q): got %q, %v; want %q, %v", c.in, unit, user, c.unit, c.user)
		}
	}
}

func TestDockerProxyTarget(t *testing.T) {
	for _, c := range []struct {
		argv []string
		want string
	}{
		{[]string{"/usr/bin/docker-proxy", "-proto", "tcp", "-host-ip", "0.0.0.0", "-host-port", "8080", "-container-ip", "172.17.0.2", "-container-port", "80"}, "172.17.0.2:80/tcp"},
		{[]string{"docker-proxy", "--proto=udp", "--container-ip=fd00::2", "--container-port=53"}, "[fd00::2]:53/udp"},
		{[]string{"docker-proxy", "-container-ip", "172.17.0.2"}, ""},
		{[]string{"docker-proxy", "-container-ip", "not-an-ip", "-container-port", "80"}, ""},
		{[]string{"nginx", "-container-ip", "172.17.0.2", "-container-port", "80"}, ""},
		{nil, ""},
	} {
		if got := dockerProxyTarget(c.argv); got != c.want {
			t.Errorf("dockerProxyTarget(%q): got %q, want %q", c.argv, got, c.want)
		}
	}
}

func TestSocketUnits(t *testing.T) {
	for _, c := range []struct {
		environ string
		want    string
	}{
		{"A=1\x00LISTEN_FDNAMES=cups.socket\x00", "cups.socket"},
		{"LISTEN_FDNAMES=a.socket:a.socket:b.socket\x00", "a.socket,b.socket"},
		{"LISTEN_FDS=1\x00", ""},
		{"", ""},
	} {
		if got := strings.Join(socketUnits([]byte(c.environ)), ","); got != c.want {
			t.Errorf("socketUnits(%q): got %q, want %q", c.environ, got, c.want)
		}
	}
}
