package inspect

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"syscall"
	"testing"
)

// listenV6Only opens a TCP listener on [::]:0 with IPV6_V6ONLY set.
func listenV6Only(t *testing.T) net.Listener {
	t.Helper()
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, 1)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	l, err := lc.Listen(context.Background(), "tcp6", "[::]:0")
	if err != nil {
		t.Skipf("no IPv6 here: %v", err)
	}
	return l
}

// TestSockDiagAgreesWithProcNet reads the live tables both ways and checks
// that they agree on the sockets this test opened, and that sock_diag
// knows what /proc/net cannot: IPV6_V6ONLY.
func TestSockDiagAgreesWithProcNet(t *testing.T) {
	t.Parallel()
	ln4, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln4.Close()
	client, err := net.Dial("tcp4", ln4.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln4.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	ln6 := listenV6Only(t)
	defer ln6.Close()

	inodes := map[uint64]bool{}
	for _, c := range []any{ln4, client, server, udp, ln6} {
		inodes[inodeOf(t, c.(syscall.Conn))] = true
	}
	ours := func(s *Socket) bool { return inodes[s.Inode] }

	diag, err := dumpSockDiag(Filter{Keep: ours})
	if err != nil {
		t.Skipf("sock_diag not allowed here: %v", err)
	}
	key := func(s Socket) string {
		return fmt.Sprintf("%s/%s %s %s %s uid=%d inode=%d", s.Proto, s.Family, s.Local, s.Remote, s.State.Name(s.Proto), s.UID, s.Inode)
	}
	var a, b []string
	for _, s := range diag {
		a = append(a, key(s))
	}
	slices.Sort(a)
	// The kernel prints /proc/net/tcp a page at a time, and walks its
	// tables again for each: on a busy host, sockets that come and go
	// meanwhile make a read show another socket twice or skip it. So the
	// text is compared as a set, and read again while it lacks one of ours.
	for range 5 {
		text, warnings, err := readNetTables("/proc", &Filter{Keep: ours})
		if err != nil || len(warnings) > 0 {
			t.Fatalf("readNetTables: %v %v", err, warnings)
		}
		b = b[:0]
		for _, s := range text {
			b = append(b, key(s))
		}
		slices.Sort(b)
		b = slices.Compact(b)
		if len(b) >= len(inodes) {
			break
		}
	}
	if !slices.Equal(a, b) {
		t.Errorf("sock_diag and /proc/net disagree:\nsock_diag %q\n/proc/net %q", a, b)
	}
	if len(a) != 5 {
		t.Errorf("got %d sockets, want 5 (listener, client, server, udp, v6 listener): %q", len(a), a)
	}
	for _, s := range diag {
		if s.UID != uint32(os.Geteuid()) {
			t.Errorf("%s: got uid %d, want ours, %d", key(s), s.UID, os.Geteuid())
		}
		if want := s.Family == IPv6; s.V6Only != want {
			t.Errorf("%s: got v6only %v, want %v", key(s), s.V6Only, want)
		}
	}
}

// inodeOf gives the inode of a socket of ours, as fstat sees it.
func inodeOf(t *testing.T, c syscall.Conn) uint64 {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.Fstat(int(fd), &st) }); err != nil || serr != nil {
		t.Fatal(err, serr)
	}
	return st.Ino
}

// TestPortBytecode: the kernel's filtering by our bytecode keeps what our
// own Match keeps: nothing that Match refuses, and every socket of the
// test's that Match accepts. (Other sockets on the host come and go
// between two dumps, so only the test's own are compared both ways.)
func TestPortBytecode(t *testing.T) {
	t.Parallel()
	var ports []uint16
	ours := map[uint64]bool{}
	for range 3 {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, uint16(l.Addr().(*net.TCPAddr).Port))
		ours[inodeOf(t, l.(syscall.Conn))] = true
	}
	c, err := net.Dial("tcp4", fmt.Sprintf("127.0.0.1:%d", ports[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	u, err := net.ListenPacket("udp4", "127.0.0.1:0") // the kernel's UDP port: its TCP ones may be taken on UDP
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	uport := uint16(u.LocalAddr().(*net.UDPAddr).Port)
	ours[inodeOf(t, c.(syscall.Conn))] = true
	ours[inodeOf(t, u.(syscall.Conn))] = true

	all, err := dumpSockDiag(Filter{Keep: func(s *Socket) bool { return ours[s.Inode] }})
	if err != nil {
		t.Skipf("sock_diag not allowed here: %v", err)
	}
	if len(all) != len(ours) {
		t.Fatalf("found %d of the test's %d sockets", len(all), len(ours))
	}
	many := []PortRange{{ports[2], ports[2]}}
	for i := range 400 {
		many = append(many, PortRange{uint16(1 + i*7), uint16(1 + i*7)})
	}
	for _, f := range []Filter{
		{Ports: []PortRange{{ports[0], ports[0]}}},
		{Ports: []PortRange{{ports[0], ports[0]}}, Peers: true},
		{Ports: []PortRange{{ports[0], ports[0]}, {ports[2], ports[2]}}},
		{Ports: []PortRange{{ports[1], ports[1]}, {uport, uport}}, Listening: true},
		{Ports: []PortRange{{uport, uport}}},
		{Ports: []PortRange{{min(ports[0], ports[1]), max(ports[0], ports[1])}}},
		{Ports: []PortRange{{min(ports[0], uport), max(ports[0], uport)}}, Peers: true},
		{Ports: []PortRange{{1, 65535}}, Listening: true},
		{Ports: many, Peers: true},
		{Listening: true},
	} {
		name := fmt.Sprintf("ports %v… peers %v listening %v", f.Ports[:min(len(f.Ports), 2)], f.Peers, f.Listening)
		got, err := dumpSockDiagWith(openSockDiag, Filter{Listening: f.Listening}, portBytecode(f.Ports, f.Peers))
		if err != nil {
			t.Fatalf("%s: the kernel refused the filter: %v", name, err)
		}
		kept := map[uint64]bool{}
		for _, s := range got {
			kept[s.Inode] = true
			if !f.Match(&s) {
				t.Errorf("%s: the kernel kept %s %s %s, which Match refuses", name, s.Proto, s.Local, s.Remote)
			}
		}
		n := 0
		for _, s := range all {
			if f.Match(&s) {
				n++
				if !kept[s.Inode] {
					t.Errorf("%s: the kernel dropped %s %s %s, which Match keeps", name, s.Proto, s.Local, s.Remote)
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: some of the test's sockets should match", name)
		}
	}
}
