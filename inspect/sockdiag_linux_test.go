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

	ports := map[uint16]bool{}
	for _, a := range []net.Addr{ln4.Addr(), client.LocalAddr(), udp.LocalAddr(), ln6.Addr()} {
		ports[uint16(portOf(a))] = true
	}
	ours := func(s *Socket) bool { return ports[s.Local.Port()] }

	diag, err := dumpSockDiag(ours)
	if err != nil {
		t.Skipf("sock_diag not allowed here: %v", err)
	}
	text, warnings, err := readNetTables("/proc", ours)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("readNetTables: %v %v", err, warnings)
	}
	key := func(s Socket) string {
		return fmt.Sprintf("%s/%s %s %s %s uid=%d inode=%d", s.Proto, s.Family, s.Local, s.Remote, s.State.Name(s.Proto), s.UID, s.Inode)
	}
	var a, b []string
	for _, s := range diag {
		a = append(a, key(s))
	}
	for _, s := range text {
		b = append(b, key(s))
	}
	slices.Sort(a)
	slices.Sort(b)
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

func portOf(a net.Addr) int {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.Port
	case *net.UDPAddr:
		return a.Port
	}
	return 0
}
