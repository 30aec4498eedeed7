package inspect

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/whoport/whoport/internal/fixture"
)

// whereAndWho writes a socket as "web tcp 0.0.0.0:80 LISTEN holders=30",
// with what is known when no process holds it and where a published
// port goes.
func whereAndWho(s Socket) string {
	out := "?"
	if s.Netns != nil {
		out = s.Netns.Name
	}
	var pids []string
	for _, h := range s.Holders {
		pids = append(pids, fmt.Sprint(h.PID))
	}
	out += fmt.Sprintf(" %s %s %s holders=%s", s.Proto, s.Local, s.State.Name(s.Proto), strings.Join(pids, ","))
	if s.Kernel {
		out += " kernel " + s.Device
	}
	if s.Orphaned {
		out += fmt.Sprintf(" orphaned %v", s.Timer)
	}
	if s.Hidden {
		out += " hidden"
	}
	if f := s.Forward; f != nil {
		out += fmt.Sprintf(" via %s to %s", f.Via, f)
		if f.Reservation {
			out += " (reservation)"
		}
	}
	return out
}

func TestNetnsFixture(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the fixture's processes are root's: as another user none is readable")
	}
	root := fixture.Materialize(t, "../testdata/proc/netns.txt")
	sys := Fixture(root+"/proc", Identity{})
	snap, err := sys.Collect(context.Background(), Filter{Netns: NetnsAll})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range snap.Sockets {
		got = append(got, whereAndWho(s))
	}
	want := []string{
		"docker:web tcp 0.0.0.0:80 LISTEN holders=30",
		"host udp 0.0.0.0:4789 BOUND holders= kernel ",
		"netns:[4026532300] udp 0.0.0.0:5353 BOUND holders=50",
		"host tcp 0.0.0.0:5432 LISTEN holders=11 via conmon to podman:db (reservation)",
		"podman:db tcp 0.0.0.0:5432 LISTEN holders=60",
		"blue tcp 127.0.0.1:6379 LISTEN holders=40",
		"host tcp 127.0.0.1:7070 LISTEN holders=14 via kubectl port-forward to svc/cart:80 in namespace shop",
		"host tcp 0.0.0.0:8080 LISTEN holders=10 via docker-proxy to 172.17.0.2:80 (docker:web)",
		"host tcp 127.0.0.1:8080 FIN_WAIT2 holders= orphaned 30s",
		"host tcp 0.0.0.0:8443 LISTEN holders=12 via rootlessport to ",
		"host tcp 0.0.0.0:9001 LISTEN holders=13 via pasta to port 7001",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got sockets\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
	var names []string
	for _, n := range snap.Namespaces {
		names = append(names, n.Name+" "+n.Skipped)
	}
	wantNames := []string{"host ", "blue ", "docker:web ", "empty could not be read (no way in)", "netns:[4026532300] ", "podman:db "}
	if !slices.Equal(names, wantNames) {
		t.Errorf("got namespaces %q, want %q", names, wantNames)
	}
	web := snap.Namespaces[2]
	if web.Inode != 4026532100 || web.PID != 30 || web.Container == nil || web.Container.Runtime != "docker" || web.Container.Name != "web" {
		t.Errorf("docker:web: got %+v (container %+v)", web, web.Container)
	}
	if blue := snap.Namespaces[1]; blue.Path != root+"/run/netns/blue" || blue.IPNetnsName() != "blue" {
		t.Errorf("blue: got path %q", blue.Path)
	}
}

func TestNetnsFixtureScopes(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the fixture's processes are root's: as another user none is readable")
	}
	root := fixture.Materialize(t, "../testdata/proc/netns.txt")
	sys := Fixture(root+"/proc", Identity{})
	for _, tc := range []struct {
		scope string
		want  []string // the namespaces of the sockets found
	}{
		{"", []string{"host"}},
		{NetnsHost, []string{"host"}},
		{"blue", []string{"blue"}},
		{"web", []string{"docker:web"}},
		{"docker:web", []string{"docker:web"}},
		{strings.Repeat("a1", 6), []string{"docker:web"}},
		{"40", []string{"blue"}},
		{"4026532300", []string{"netns:[4026532300]"}},
		{"netns:[4026532300]", []string{"netns:[4026532300]"}},
		{"db", []string{"podman:db"}},
		{"10", []string{"host"}},
	} {
		snap, err := sys.Collect(context.Background(), Filter{Netns: tc.scope, Listening: true})
		if err != nil {
			t.Errorf("scope %q: %v", tc.scope, err)
			continue
		}
		var got []string
		for _, s := range snap.Sockets {
			if !slices.Contains(got, s.Netns.Name) {
				got = append(got, s.Netns.Name)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("scope %q: got sockets in %q, want %q", tc.scope, got, tc.want)
		}
	}
	_, err := sys.Collect(context.Background(), Filter{Netns: "nosuch"})
	var se *ScopeError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "blue, docker:web") {
		t.Errorf("an unknown name: got %v, want a ScopeError listing the names", err)
	}
}

// TestReadNetnsFallback: read through a process's /proc/PID/net files, a
// namespace keeps its sockets despite a line that does not parse (the line
// becomes a warning), says why when the files cannot be read, and is
// dropped quietly when its only process has exited.
func TestReadNetnsFallback(t *testing.T) {
	root := fixture.Materialize(t, "../testdata/proc/netns.txt")
	sys := Fixture(root+"/proc", Identity{})
	tcp := filepath.Join(root, "proc", "40", "net", "tcp")
	f, err := os.OpenFile(tcp, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, "   1: not a socket line")
	f.Close()
	if err := os.MkdirAll(filepath.Join(root, "proc", "70"), 0o755); err != nil { // a process with no net/
		t.Fatal(err)
	}
	for _, c := range []struct {
		pid             int32
		socks, warnings int
		skipped         string
	}{
		{40, 1, 1, ""},
		{70, 0, 0, "has no socket tables"},
		{99, 0, 0, ""}, // gone
	} {
		n := &Netns{PID: c.pid}
		socks, warnings := sys.readNetns(n, Filter{})
		if len(socks) != c.socks || len(warnings) != c.warnings || !strings.Contains(n.Skipped, c.skipped) || (c.skipped == "") != (n.Skipped == "") {
			t.Errorf("pid %d: %d sockets, warnings %q, skipped %q; want %d, %d, %q", c.pid, len(socks), warnings, n.Skipped, c.socks, c.warnings, c.skipped)
		}
	}
}

// TestContainerNamesOnce: each container's name is read once, found or
// not: with the runtimes' files gone, the names already read are still
// known, and one not found is not looked for again (a file that appears
// later is not read).
func TestContainerNamesOnce(t *testing.T) {
	root := fixture.Materialize(t, "../testdata/proc/netns.txt")
	names := &containerNames{sys: Fixture(root+"/proc", Identity{})}
	web := &Container{Runtime: "docker", ID: strings.Repeat("a1", 32)}
	db := &Container{Runtime: "podman", ID: strings.Repeat("c3", 32)}
	gone := &Container{Runtime: "docker", ID: strings.Repeat("b2", 32)}
	for _, c := range []*Container{web, db, gone} {
		names.of(c)
	}
	if err := os.RemoveAll(filepath.Join(root, "var")); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "var/lib/docker/containers", gone.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.v2.json"), []byte(`{"Name":"/late"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for c, want := range map[*Container]string{web: "web", db: "db", gone: ""} {
		if got := names.of(c); got != want {
			t.Errorf("%s %s: got %q, want %q", c.Runtime, c.ID[:4], got, want)
		}
	}
}
