package inspect

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/whoport/whoport/internal/fixture"
)

// brief writes a socket as "tcp 0.0.0.0:80 LISTEN uid=7033 inode=1001 holders=100,101".
func brief(s Socket) string {
	var pids []string
	for _, h := range s.Holders {
		pids = append(pids, fmt.Sprint(h.PID))
	}
	out := fmt.Sprintf("%s/%s %s", s.Proto, s.Family, s.Local)
	if s.Remote.Port() != 0 {
		out += " " + s.Remote.String()
	}
	out += fmt.Sprintf(" %s uid=%d inode=%d holders=%s", s.State.Name(s.Proto), s.UID, s.Inode, strings.Join(pids, ","))
	if s.Hidden {
		out += " hidden"
	}
	return out
}

func TestCollectFixture(t *testing.T) {
	root := fixture.Materialize(t, "../testdata/proc/basic.txt")
	snap, err := Fixture(root, Identity{}).Collect(context.Background(), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	// As root, sshd's fd directory (mode 000) is readable; as anyone else
	// its socket is hidden.
	ssh := "tcp/ipv4 0.0.0.0:22 LISTEN uid=0 inode=1010 holders=500"
	if os.Geteuid() != 0 {
		ssh = "tcp/ipv4 0.0.0.0:22 LISTEN uid=0 inode=1010 holders= hidden"
	}
	// The vanished pid 600 leaves 9090 without a holder, hidden only when
	// sshd could not be read.
	gone := "tcp/ipv4 0.0.0.0:9090 LISTEN uid=7000 inode=1011 holders="
	if os.Geteuid() != 0 {
		gone += " hidden"
	}
	want := []string{
		ssh,
		"udp/ipv4 0.0.0.0:53 BOUND uid=0 inode=1007 holders=400",
		"udp/ipv6 [::]:53 BOUND uid=0 inode=1008 holders=400",
		"tcp/ipv4 0.0.0.0:80 LISTEN uid=7033 inode=1001 holders=100,101",
		"tcp/ipv6 [::]:80 LISTEN uid=7033 inode=1002 holders=100,101",
		"tcp/ipv6 127.0.0.1:80 127.0.0.1:40200 ESTABLISHED uid=7033 inode=1012 holders=101",
		"udp/ipv4 127.0.0.1:5353 127.0.0.1:53 CONNECTED uid=7000 inode=1009 holders=300",
		"tcp/ipv4 127.0.0.1:5432 LISTEN uid=7105 inode=1003 holders=200",
		"tcp/ipv6 [::1]:5432 LISTEN uid=7105 inode=1004 holders=200",
		"tcp/ipv4 127.0.0.1:5432 127.0.0.1:40000 ESTABLISHED uid=7105 inode=1005 holders=200",
		"tcp/ipv4 127.0.0.1:8080 127.0.0.1:40100 TIME_WAIT uid=0 inode=0 holders=",
		gone,
		"tcp/ipv4 127.0.0.1:40000 127.0.0.1:5432 ESTABLISHED uid=7000 inode=1006 holders=300",
	}
	var got []string
	for _, s := range snap.Sockets {
		got = append(got, brief(s))
	}
	if !slices.Equal(got, want) {
		t.Errorf("got sockets\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
	if snap.Source != "/proc/net" {
		t.Errorf("got source %q, want /proc/net", snap.Source)
	}
	if len(snap.Warnings) != 1 || !strings.Contains(snap.Warnings[0], "net/tcp: line 7") {
		t.Errorf("got warnings %q, want one for net/tcp line 7", snap.Warnings)
	}
	for _, s := range snap.Sockets {
		if s.State == TimeWait && s.Timer != 34*time.Second {
			t.Errorf("TIME_WAIT timer: got %v, want 34s", s.Timer)
		}
	}
}

func TestCollectFixtureHolders(t *testing.T) {
	root := fixture.Materialize(t, "../testdata/proc/basic.txt")
	snap, err := Fixture(root, Identity{}).Collect(context.Background(), Filter{Keep: func(s *Socket) bool { return s.Local.Port() == 80 && s.Listening() }})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Sockets) != 2 {
		t.Fatalf("got %d sockets on port 80, want 2", len(snap.Sockets))
	}
	boot := time.Unix(1700000000, 0)
	want := []Process{
		{PID: 100, PPID: 1, Name: "nginx", UID: 0, User: "root", Exe: "/usr/sbin/nginx",
			Cmdline: []string{"nginx: master process /usr/sbin/nginx"}, StartTicks: 1000, Started: boot.Add(10 * time.Second)},
		{PID: 101, PPID: 100, Name: "nginx", UID: 7033, Exe: "/usr/sbin/nginx",
			Cmdline: []string{"nginx: worker process"}, StartTicks: 1200, Started: boot.Add(12 * time.Second)},
	}
	for _, s := range snap.Sockets {
		if len(s.Holders) != len(want) {
			t.Fatalf("%s: got %d holders, want %d", brief(s), len(s.Holders), len(want))
		}
		for i, h := range s.Holders {
			if w := want[i]; fmt.Sprint(*h) != fmt.Sprint(w) {
				t.Errorf("holder %d:\ngot  %+v\nwant %+v", i, *h, want[i])
			}
		}
	}
	if s := snap.Sockets[1]; s.Family != IPv6 || s.V6Only {
		t.Errorf("[::]:80: got family %v v6only %v; want ipv6, dual-stack", s.Family, s.V6Only)
	}
}

func TestCollectFreePort(t *testing.T) {
	root := fixture.Materialize(t, "../testdata/proc/basic.txt")
	snap, err := Fixture(root, Identity{}).Collect(context.Background(), Filter{Keep: func(s *Socket) bool { return s.Local.Port() == 1 }})
	if err != nil || len(snap.Sockets) != 0 {
		t.Fatalf("got %v, %v; want no sockets, no error", snap.Sockets, err)
	}
	if snap.Unreadable != nil {
		t.Errorf("got unreadable %v, want none: a free port needs no walk of /proc/*/fd", snap.Unreadable)
	}
}

// TestCollectMissingRoot: a root without socket tables is an error, never
// an empty answer that would call every port free.
func TestCollectMissingRoot(t *testing.T) {
	snap, err := Fixture(t.TempDir()+"/nope", Identity{}).Collect(context.Background(), Filter{})
	if err == nil {
		t.Errorf("a root without socket tables: got %d sockets and no error, want an error", len(snap.Sockets))
	}
}
