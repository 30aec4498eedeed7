package inspect

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/whoport/whoport/internal/fixture"
)

// TestCollectNoHolders: with NoHolders, Collect reads the tables alone:
// no socket has holders, none is hidden (even to a user who could not read
// sshd's descriptors), no process was found unreadable, and the
// conditions on holders are left out.
func TestCollectNoHolders(t *testing.T) {
	root := fixture.Materialize(t, "../testdata/proc/basic.txt")
	snap, err := Fixture(root, Identity{}).Collect(context.Background(), Filter{Listening: true, NoHolders: true, PIDs: []int32{999}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"tcp/ipv4 0.0.0.0:22 LISTEN uid=0 inode=1010 holders=",
		"udp/ipv4 0.0.0.0:53 BOUND uid=0 inode=1007 holders=",
		"udp/ipv6 [::]:53 BOUND uid=0 inode=1008 holders=",
		"tcp/ipv4 0.0.0.0:80 LISTEN uid=7033 inode=1001 holders=",
		"tcp/ipv6 [::]:80 LISTEN uid=7033 inode=1002 holders=",
		"tcp/ipv4 127.0.0.1:5432 LISTEN uid=7105 inode=1003 holders=",
		"tcp/ipv6 [::1]:5432 LISTEN uid=7105 inode=1004 holders=",
		"tcp/ipv4 0.0.0.0:9090 LISTEN uid=7000 inode=1011 holders=",
	}
	var got []string
	for _, s := range snap.Sockets {
		got = append(got, brief(s))
		if s.Port.Number != s.Local.Port() {
			t.Errorf("%s: port %d not named", brief(s), s.Local.Port())
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("got sockets\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
	if snap.Unreadable != nil {
		t.Errorf("got unreadable %v, want none: no descriptor is read", snap.Unreadable)
	}
}

// TestCollectExposed: the Exposed condition keeps the listeners beyond
// loopback.
func TestCollectExposed(t *testing.T) {
	root := fixture.Materialize(t, "../testdata/proc/basic.txt")
	snap, err := Fixture(root, Identity{}).Collect(context.Background(), Filter{Exposed: true, NoHolders: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range snap.Sockets {
		got = append(got, string(s.Proto)+" "+s.Local.String())
	}
	want := []string{"tcp 0.0.0.0:22", "udp 0.0.0.0:53", "udp [::]:53", "tcp 0.0.0.0:80", "tcp [::]:80", "tcp 0.0.0.0:9090"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q: listeners beyond loopback only", got, want)
	}
}

// TestCollectBadWalk: an unknown WHOPORT_WALK is an error whatever the
// query, even one that would need no holders walk (no socket passes, or
// only named processes are searched).
func TestCollectBadWalk(t *testing.T) {
	root := fixture.Materialize(t, "../testdata/proc/basic.txt")
	t.Setenv("WHOPORT_WALK", "fast")
	for _, f := range []Filter{
		{Ports: []PortRange{{1, 1}}},
		{PIDs: []int32{500}},
		{Listening: true},
	} {
		_, err := Fixture(root, Identity{}).Collect(context.Background(), f)
		if err == nil || !strings.Contains(err.Error(), `invalid WHOPORT_WALK "fast"`) {
			t.Errorf("filter %+v: got %v, want the invalid WHOPORT_WALK", f, err)
		}
	}
}
