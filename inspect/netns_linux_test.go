package inspect

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/whoport/whoport/internal/nstest"
	"github.com/whoport/whoport/services"
)

// The end-to-end tests of namespaces make throwaway network namespaces
// with ip netns (never touching the host's own), start this test binary
// inside them as a child (TestNetnsHelper), and look from the host.

// startInNetns starts the helper in mode inside the namespace ns (ip netns
// exec execs it: the pid is the helper's).
func startInNetns(t *testing.T, ns, mode string) *helperChild {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run=^TestNetnsHelper$")
	cmd.Env = append(os.Environ(), "WHOPORT_NETNS_HELPER="+mode)
	cmd.Stderr = os.Stderr
	return startHelper(t, mode, cmd)
}

// TestNetnsHelper is the child's side; it does nothing in a plain run.
func TestNetnsHelper(t *testing.T) {
	mode := os.Getenv("WHOPORT_NETNS_HELPER")
	if mode == "" {
		t.Skip("a helper for the namespace tests")
	}
	fail := func(err error) { fmt.Printf("error %v\n", err); os.Exit(3) }
	var keep []io.Closer
	switch mode {
	case "listen": // a server on every address of its namespace
		l, err := net.Listen("tcp4", "0.0.0.0:0")
		if err != nil {
			fail(err)
		}
		keep = append(keep, l)
		fmt.Printf("tcp %d\n", l.Addr().(*net.TCPAddr).Port)
	case "finwait2": // a connection whose client closed first and let go
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			fail(err)
		}
		c, err := net.Dial("tcp4", l.Addr().String())
		if err != nil {
			fail(err)
		}
		server, err := l.Accept()
		if err != nil {
			fail(err)
		}
		keep = append(keep, l, server) // the server never closes: the client waits in FIN_WAIT2
		fmt.Printf("client %d\n", c.LocalAddr().(*net.TCPAddr).Port)
		c.Close()
		time.Sleep(100 * time.Millisecond) // the server's ACK of the FIN
	case "collect": // whoport's collector, run inside the namespace
		port, _ := strconv.ParseUint(os.Getenv("WHOPORT_NETNS_PORT"), 10, 16)
		snap, err := liveSystem(t).Collect(context.Background(), Filter{Ports: []PortRange{{uint16(port), uint16(port)}}, DNAT: true})
		if err != nil {
			fail(err)
		}
		fmt.Printf("sockets %d\n", len(snap.Sockets))
		fmt.Printf("skipped %s\n", snap.DNATSkipped)
		for _, r := range snap.DNAT {
			fmt.Printf("dnat %s %d-%d %s %s/%s\n", r.Proto, r.Ports.First, r.Ports.Last, r.Target(uint16(port)), r.Table, r.Chain)
		}
		fmt.Println("ready")
		os.Exit(0)
	default:
		fail(fmt.Errorf("unknown mode %q", mode))
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	for _, c := range keep {
		c.Close()
	}
	os.Exit(0)
}

// collectIn collects every namespace's sockets on port and keeps those in
// the namespace ns.
func collectIn(t *testing.T, ns string, port uint16, scope string) (*Snapshot, []Socket) {
	t.Helper()
	snap, err := liveSystem(t).Collect(context.Background(), Filter{Netns: scope, Ports: []PortRange{{port, port}}})
	if err != nil {
		t.Fatal(err)
	}
	var in []Socket
	for _, s := range snap.Sockets {
		if s.Netns != nil && s.Netns.IPNetnsName() == ns {
			in = append(in, s)
		}
	}
	return snap, in
}

// TestNetnsServer: a server in another namespace is named from the host,
// with its namespace and pid; the host's scope leaves it out.
func TestNetnsServer(t *testing.T) {
	ns := nstest.New(t)
	c := startInNetns(t, ns, "listen")
	port := c.port(t, "tcp")
	snap, socks := collectIn(t, ns, port, NetnsAll)
	if len(socks) != 1 {
		t.Fatalf("got %d sockets in %s on %d, want 1: %v", len(socks), ns, port, socks)
	}
	s := socks[0]
	got := fmt.Sprintf("%s %s %s %s", s.Netns.Name, s.Proto, s.Local, s.State.Name(s.Proto))
	want := fmt.Sprintf("%s tcp 0.0.0.0:%d LISTEN", ns, port)
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if len(s.Holders) != 1 || s.Holders[0].PID != c.pid {
		t.Errorf("got holders %v, want pid %d", s.Holders, c.pid)
	}
	if s.InHost() || s.Netns.Inode == 0 || s.Netns.Path != "/run/netns/"+ns {
		t.Errorf("got namespace %+v, want %s's, not the host's", s.Netns, ns)
	}
	if !slices.Contains(snap.Namespaces, s.Netns) {
		t.Errorf("the socket's namespace is not among the snapshot's")
	}
	for _, scope := range []string{ns, strconv.Itoa(int(c.pid)), strconv.FormatUint(s.Netns.Inode, 10)} {
		if _, socks := collectIn(t, ns, port, scope); len(socks) != 1 {
			t.Errorf("scope %s: got %d sockets, want 1", scope, len(socks))
		}
	}
	if snap, _ := collectIn(t, ns, port, NetnsHost); slices.ContainsFunc(snap.Sockets, func(h Socket) bool { return h.Inode == s.Inode }) {
		t.Errorf("scope host: the namespace's socket is there")
	}
}

// TestNetnsVXLAN: a VXLAN device's socket (made in a test namespace) is the
// kernel's, named after its device.
func TestNetnsVXLAN(t *testing.T) {
	ns := nstest.New(t)
	const port = 4789 // the namespace is ours alone: any port is free there
	for _, args := range [][]string{
		{"link", "add", "whoport-vx0", "type", "vxlan", "id", "42", "dstport", fmt.Sprint(port), "local", "127.0.0.1"},
		{"link", "set", "whoport-vx0", "up"},
	} {
		if out, err := exec.Command("ip", append([]string{"-n", ns}, args...)...).CombinedOutput(); err != nil {
			t.Skipf("VXLAN refused here: ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	_, socks := collectIn(t, ns, port, NetnsAll)
	if len(socks) != 1 {
		t.Fatalf("got %d sockets on %d in %s, want 1: %v", len(socks), port, ns, socks)
	}
	s := socks[0]
	if s.Proto != services.UDP || !s.Kernel || s.Hidden || len(s.Holders) != 0 || s.Device != "vxlan whoport-vx0" || s.Inode == 0 {
		t.Errorf("got %s kernel=%v hidden=%v holders=%v device=%q inode=%d; want the kernel's UDP socket of vxlan whoport-vx0",
			s.Proto, s.Kernel, s.Hidden, s.Holders, s.Device, s.Inode)
	}
}

// TestNetnsOrphan: a client that closed first and let go leaves a FIN_WAIT2
// socket no process holds: orphaned, with its timer.
func TestNetnsOrphan(t *testing.T) {
	ns := nstest.New(t)
	c := startInNetns(t, ns, "finwait2")
	port := c.port(t, "client")
	_, socks := collectIn(t, ns, port, NetnsAll)
	var orphan *Socket
	for i := range socks {
		if socks[i].Local.Port() == port {
			orphan = &socks[i]
		}
	}
	if orphan == nil {
		t.Fatalf("no socket on the client's port %d in %s: %v", port, ns, socks)
	}
	if orphan.State != FinWait2 || !orphan.Orphaned || orphan.Hidden || orphan.Kernel || len(orphan.Holders) != 0 ||
		orphan.Timer <= 0 || orphan.Timer > 2*time.Minute {
		t.Errorf("got %s orphaned=%v hidden=%v kernel=%v holders=%v timer=%v; want FIN_WAIT2, orphaned, with a timer",
			orphan.State.Name(orphan.Proto), orphan.Orphaned, orphan.Hidden, orphan.Kernel, orphan.Holders, orphan.Timer)
	}
}

// TestNetnsDNAT: a DNAT rule written in a test namespace is shown for its
// port, with no socket on it, when the collector runs in that namespace;
// a rule that takes its port from the rule that jumps to its chain too.
func TestNetnsDNAT(t *testing.T) {
	ns := nstest.New(t)
	nstest.AddDNAT(t, ns,
		nstest.DNAT{Port: 8080, To: netip.MustParseAddrPort("10.88.0.5:80")},
		nstest.DNAT{Port: 8443, To: netip.MustParseAddrPort("10.88.0.6:443"), Jump: true})
	for _, tc := range []struct {
		port uint16
		want string
	}{
		{8080, "dnat tcp 8080-8080 10.88.0.5:80 ip whoport_test/prerouting"},
		{8443, "dnat tcp 8443-8443 10.88.0.6:443 ip whoport_test/published"},
	} {
		cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run=^TestNetnsHelper$")
		cmd.Env = append(os.Environ(), "WHOPORT_NETNS_HELPER=collect", fmt.Sprintf("WHOPORT_NETNS_PORT=%d", tc.port))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("collector in %s: %v: %s", ns, err, out)
		}
		if !strings.Contains(string(out), "\nsockets 0\n") && !strings.HasPrefix(string(out), "sockets 0\n") {
			t.Errorf("port %d: want no socket in the fresh namespace; got\n%s", tc.port, out)
		}
		if !strings.Contains(string(out), tc.want+"\n") {
			t.Errorf("port %d: got\n%s\nwant the line %q", tc.port, out, tc.want)
		}
	}
}
