package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/shirou/gopsutil/v3/net"

	"github.com/whoport/whoport/internal/fixture"
)

// runAs runs the built binary as another user.
func runAs(t *testing.T, cred *syscall.Credential, args ...string) result {
	t.Helper()
	cmd := whoportCmd(args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	return runCmd(t, cmd)
}

// fixtureAs runs whoport on a fixture root as the given user: the test
// binary itself, from whoportBin where that user may run it, in the child
// mode that alone may open a fixture (whoport proper takes only procfs
// mounts).
func fixtureAs(t *testing.T, cred *syscall.Credential, args ...string) result {
	t.Helper()
	cmd := exec.Command(whoportBin, args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "WHOPORT_TEST_CHILD=whoport-fixture")
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	return runCmd(t, cmd)
}

// here limits a query to whoport's own network namespace, where the test's
// sockets are: as root whoport also lists the listeners of every other
// namespace (other tests', containers'), which may have one on the same
// port, so the tests that count sockets ask for this one alone.
func here(args ...string) []string { return append([]string{"--netns", "host"}, args...) }

// held drops the TIME_WAIT remnants: a port the kernel hands out may still
// have some from an earlier test's connections.
func held(doc document) []jsonSocket {
	var out []jsonSocket
	for _, s := range doc.Sockets {
		if s.State != "TIME_WAIT" {
			out = append(out, s)
		}
	}
	return out
}

// holderPIDsOf lists the pids holding a socket in the document.
func holderPIDsOf(s jsonSocket) []int32 {
	var pids []int32
	for _, h := range s.Holders {
		pids = append(pids, h.PID)
	}
	return pids
}

// TestChildSockets: a child holds TCP and UDP sockets on 127.0.0.1 and
// ::1, and whoport names exactly that child for each of them.
func TestChildSockets(t *testing.T) {
	t.Parallel()
	c := holdSockets(t, "listen", "")
	for _, tc := range []struct {
		key, query, proto, family, state, addr string
	}{
		{"tcp4", "127.0.0.1:%s/tcp", "tcp", "ipv4", "LISTEN", "127.0.0.1"},
		{"tcp6", "tcp:[::1]:%s", "tcp", "ipv6", "LISTEN", "::1"},
		{"udp4", "udp:127.0.0.1:%s", "udp", "ipv4", "BOUND", "127.0.0.1"},
		{"udp6", "[::1]:%s/udp", "udp", "ipv6", "BOUND", "::1"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			t.Parallel()
			port := c.port(t, tc.key)
			r := whoport(t, here("--json", fmt.Sprintf(tc.query, port))...)
			if r.code != 0 {
				t.Fatalf("exit %d, want 0 (in use); stderr: %s", r.code, r.stderr)
			}
			socks := held(decode(t, r))
			if len(socks) != 1 {
				t.Fatalf("got %d sockets, want 1: %s", len(socks), r.stdout)
			}
			s := socks[0]
			got := fmt.Sprintf("%s %s %s %s:%d uid=%d holders=%v", s.Proto, s.Family, s.State, s.Local.Addr, s.Local.Port, s.UID, holderPIDsOf(s))
			want := fmt.Sprintf("%s %s %s %s:%s uid=%d holders=[%d]", tc.proto, tc.family, tc.state, tc.addr, port, os.Geteuid(), c.pid)
			if got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
			if h := s.Holders; len(h) == 1 && (h[0].PPID != int32(os.Getpid()) || h[0].Started == "" || len(h[0].Cmdline) == 0 || h[0].Exe == "") {
				t.Errorf("holder details: got %+v; want ppid %d, a start time, a command line and an exe", h[0], os.Getpid())
			}
			if s.Inode == 0 || s.Port.Number != s.Local.Port || s.Port.Class == "" {
				t.Errorf("got inode %d, port %+v; want an inode and the port's class", s.Inode, s.Port)
			}
		})
	}

	t.Run("text", func(t *testing.T) {
		t.Parallel()
		port := c.port(t, "tcp4")
		r := whoport(t, port+"/tcp")
		if r.code != 0 {
			t.Fatalf("exit %d, want 0; stderr: %s", r.code, r.stderr)
		}
		for _, want := range []string{"LISTEN", "127.0.0.1:" + port, fmt.Sprintf("pid %d", c.pid), "-test.run=^$"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("output lacks %q:\n%s", want, r.stdout)
			}
		}
	})
	t.Run("quiet", func(t *testing.T) {
		t.Parallel()
		r := whoport(t, here("-q", "127.0.0.1:"+c.port(t, "tcp4")+"/tcp", "udp:127.0.0.1:"+c.port(t, "udp4"))...)
		if want := fmt.Sprintf("%d\n", c.pid); r.stdout != want || r.code != 0 {
			t.Errorf("got %q exit %d, want %q exit 0", r.stdout, r.code, want)
		}
	})
	t.Run("both protocols", func(t *testing.T) {
		t.Parallel()
		// Without a protocol both are searched. Any process may have a
		// socket on the number, so only this child's are looked at.
		both := holdSockets(t, "tcp-udp", "")
		port := both.said["port"]
		doc := decode(t, whoport(t, "--json", "-p", fmt.Sprint(both.pid), port))
		want := []string{
			fmt.Sprintf("tcp 127.0.0.1:%s LISTEN [%d]", port, both.pid),
			fmt.Sprintf("udp 127.0.0.1:%s BOUND [%d]", port, both.pid),
		}
		if got := sockKeys(held(doc)); !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

// TestFreePort: nothing on a port is exit 1, and the port is still named.
func TestFreePort(t *testing.T) {
	t.Parallel()
	ownNetNS(t)
	c := holdSockets(t, "listen", "")
	port := c.port(t, "tcp4")
	c.stop() // in the test's own network namespace, nothing else takes it
	r := whoport(t, here("127.0.0.1:"+port+"/tcp")...)
	if r.code != 1 {
		t.Errorf("exit %d, want 1 (not in use)", r.code)
	}
	if !strings.Contains(r.stdout, "not in use") || !strings.Contains(r.stdout, " port") {
		t.Errorf("output should name the port and say it is not in use:\n%s", r.stdout)
	}
	doc := decode(t, whoport(t, here("--json", "127.0.0.1:"+port+"/tcp")...))
	if len(doc.Sockets) != 0 {
		t.Errorf("got %d sockets on a free port", len(doc.Sockets))
	}
}

// TestSharedListener: a listener shared by two processes names both.
func TestSharedListener(t *testing.T) {
	t.Parallel()
	c := holdSockets(t, "share", "")
	sibling, _ := strconv.Atoi(c.said["sibling"])
	socks := held(decode(t, whoport(t, here("--json", "127.0.0.1:"+c.said["tcp4"]+"/tcp")...)))
	if len(socks) != 1 {
		t.Fatalf("got %d sockets, want 1", len(socks))
	}
	want := []int32{c.pid, int32(sibling)}
	slices.Sort(want)
	if got := holderPIDsOf(socks[0]); !slices.Equal(got, want) {
		t.Errorf("got holders %v, want %v", got, want)
	}
	r := whoport(t, here("-q", "127.0.0.1:"+c.said["tcp4"]+"/tcp")...)
	if r.stdout != fmt.Sprintf("%d\n%d\n", want[0], want[1]) {
		t.Errorf("-q: got %q, want both pids", r.stdout)
	}
}

// TestPIDNamesKin: -p reads the named process's descriptors first and
// the tables keep only its sockets; the other holders of those sockets
// among its parent and children are still named, whichever of the two is
// asked about.
func TestPIDNamesKin(t *testing.T) {
	t.Parallel()
	c := holdSockets(t, "share", "")
	sibling, _ := strconv.Atoi(c.said["sibling"])
	want := []int32{c.pid, int32(sibling)}
	slices.Sort(want)
	for _, pid := range []int32{c.pid, int32(sibling)} {
		// No port: -p alone, as a user asks "what does this process hold".
		socks := held(decode(t, whoport(t, "--json", "-t", "-p", fmt.Sprint(pid))))
		if len(socks) != 1 || fmt.Sprint(socks[0].Local.Port) != c.said["tcp4"] {
			t.Fatalf("-p %d: got %v, want the one shared listener on %s", pid, sockKeys(socks), c.said["tcp4"])
		}
		if got := holderPIDsOf(socks[0]); !slices.Equal(got, want) {
			t.Errorf("-p %d: got holders %v, want %v", pid, got, want)
		}
	}
}

// TestPIDGone: -p of a process that exited lists what the others hold,
// and says which pid is no process, in the hint and in JSON.
func TestPIDGone(t *testing.T) {
	t.Parallel()
	c := holdSockets(t, "share", "")
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	pids := fmt.Sprintf("%d,%d", c.pid, gone.Process.Pid)
	doc := decode(t, whoport(t, "--json", "-t", "-p", pids))
	if socks := held(doc); len(socks) != 1 || fmt.Sprint(socks[0].Local.Port) != c.said["tcp4"] {
		t.Errorf("-p %s: got %v, want the child's listener on %s", pids, sockKeys(socks), c.said["tcp4"])
	}
	if !slices.Equal(doc.NoSuchPIDs, []int32{int32(gone.Process.Pid)}) {
		t.Errorf("-p %s: no_such_pids %v, want [%d]", pids, doc.NoSuchPIDs, gone.Process.Pid)
	}
	r := whoport(t, "-t", "-p", fmt.Sprint(gone.Process.Pid))
	want := fmt.Sprintf("whoport: hint: no process has pid %d", gone.Process.Pid)
	if r.code != exitNotFound || !strings.Contains(r.stderr, want) {
		t.Errorf("-p of a pid that exited: exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
	}
}

// TestReusePort: two SO_REUSEPORT listeners in two processes are two
// sockets, each with its own holder.
func TestReusePort(t *testing.T) {
	t.Parallel()
	a := holdSockets(t, "reuseport", "0")
	b := holdSockets(t, "reuseport", a.said["tcp4"])
	socks := held(decode(t, whoport(t, here("--json", "127.0.0.1:"+a.said["tcp4"]+"/tcp")...)))
	if len(socks) != 2 {
		t.Fatalf("got %d sockets, want 2", len(socks))
	}
	var got []string
	for _, s := range socks {
		got = append(got, fmt.Sprint(holderPIDsOf(s)))
	}
	slices.Sort(got)
	want := []string{fmt.Sprint([]int32{a.pid}), fmt.Sprint([]int32{b.pid})}
	slices.Sort(want)
	if !slices.Equal(got, want) || socks[0].Inode == socks[1].Inode {
		t.Errorf("got holders %v inodes %d, %d; want %v on two inodes", got, socks[0].Inode, socks[1].Inode, want)
	}
}

// TestHiddenHolder: run as nobody, whoport cannot see root's child, and
// still says the port is in use, whose socket it is, and what would help.
func TestHiddenHolder(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run whoport as another user and hide the holder from it")
	}
	c := holdSockets(t, "listen", "")
	port := c.port(t, "tcp4")
	r := runAs(t, nobody, "--json", "127.0.0.1:"+port+"/tcp")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0: a port with a hidden holder is in use; stderr: %s", r.code, r.stderr)
	}
	socks := held(decode(t, r))
	if len(socks) != 1 {
		t.Fatalf("got %d sockets, want 1", len(socks))
	}
	if s := socks[0]; !s.HoldersHidden || len(s.Holders) != 0 || s.UID != 0 || s.User != "root" {
		t.Errorf("got hidden %v holders %v uid %d user %q; want hidden, none, uid 0, root", s.HoldersHidden, s.Holders, s.UID, s.User)
	}
	r = runAs(t, nobody, "127.0.0.1:"+port+"/tcp")
	if r.code != 0 || !strings.Contains(r.stdout, "in use, holder hidden: socket of root (uid 0)") {
		t.Errorf("exit %d, output:\n%s\nwant exit 0 and \"in use, holder hidden: socket of root (uid 0)\"", r.code, r.stdout)
	}
	if !strings.Contains(r.stderr, "whoport: hint:") || !strings.Contains(r.stderr, "run as root") {
		t.Errorf("stderr should hint at root:\n%s", r.stderr)
	}
	r = runAs(t, nobody, "-q", "127.0.0.1:"+port+"/tcp")
	if r.code != 0 || r.stdout != "" {
		t.Errorf("-q as nobody: got %q exit %d; want no pids, exit 0", r.stdout, r.code)
	}
}

// ssSocket is one line of ss -Htanupe, reduced to what we compare.
var ssFields = regexp.MustCompile(`(?:pid=(\d+))|(?:uid:(\d+))|(?:ino:(\d+))`)

// TestAgreesWithSS: for the test's ports, every socket, uid and pid that
// ss reports is in whoport's JSON, and nothing else.
func TestAgreesWithSS(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("ss"); err != nil {
		t.Skip("ss is not installed")
	}
	c := holdSockets(t, "listen", "")
	port := c.port(t, "tcp4")
	client := holdSockets(t, "connect", "127.0.0.1:"+port)
	local := client.said["local"]
	// The test's sockets, by protocol, local and remote address: other
	// processes may have sockets on the same port numbers.
	ours := map[string]bool{
		"tcp 127.0.0.1:" + port + " 0.0.0.0:*":              true,
		"tcp 127.0.0.1:" + local + " 127.0.0.1:" + port:     true,
		"tcp 127.0.0.1:" + port + " 127.0.0.1:" + local:     true,
		"udp 127.0.0.1:" + c.port(t, "udp4") + " 0.0.0.0:*": true,
	}
	queries := []string{port + "/tcp", local + "/tcp", c.port(t, "udp4") + "/udp"}
	if p, ok := c.said["tcp6"]; ok {
		ours["tcp [::1]:"+p+" [::]:*"] = true
		queries = append(queries, p+"/tcp")
	}
	if p, ok := c.said["udp6"]; ok {
		ours["udp [::1]:"+p+" [::]:*"] = true
		queries = append(queries, p+"/udp")
	}
	out, err := exec.Command("ss", "-Htanupe").Output()
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	var want []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 {
			continue
		}
		local, peer := strings.ReplaceAll(f[4], "%lo", ""), f[5]
		if !ours[f[0]+" "+local+" "+peer] {
			continue
		}
		uid, ino := "0", ""
		var pids []string
		for _, m := range ssFields.FindAllStringSubmatch(line, -1) {
			switch {
			case m[1] != "":
				pids = append(pids, m[1])
			case m[2] != "":
				uid = m[2]
			case m[3] != "":
				ino = m[3]
			}
		}
		slices.Sort(pids)
		want = append(want, fmt.Sprintf("%s %s %s uid=%s ino=%s pids=%v", f[0], local, peer, uid, ino, pids))
	}
	doc := decode(t, whoport(t, append(here("--json"), queries...)...))
	var got []string
	for _, s := range doc.Sockets {
		local, peer := ssAddr(s.Family, s.Local.Addr, s.Local.Port), ssAddr(s.Family, s.Remote.Addr, s.Remote.Port)
		if !ours[s.Proto+" "+local+" "+peer] {
			continue
		}
		var pids []string
		for _, h := range s.Holders {
			pids = append(pids, fmt.Sprint(h.PID))
		}
		slices.Sort(pids)
		got = append(got, fmt.Sprintf("%s %s %s uid=%d ino=%d pids=%v", s.Proto, local, peer, s.UID, s.Inode, pids))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("whoport and ss disagree on the test's sockets\nwhoport:\n\t%s\nss:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
	if len(want) != len(ours) {
		t.Errorf("ss shows %d of the test's %d sockets: %v", len(want), len(ours), want)
	}
}

// ssAddr writes an address as ss does: 127.0.0.1:80, [::1]:80, and a port
// 0 as *.
func ssAddr(family, addr string, port uint16) string {
	if family == "ipv6" {
		addr = "[" + addr + "]"
	}
	if port == 0 {
		return addr + ":*"
	}
	return fmt.Sprintf("%s:%d", addr, port)
}

// TestAgreesWithGopsutil: every (socket, pid) that gopsutil's
// net.Connections reports on the test's ports is among ours.
func TestAgreesWithGopsutil(t *testing.T) {
	t.Parallel()
	c := holdSockets(t, "share", "")
	port := c.said["tcp4"]
	client := holdSockets(t, "connect", "127.0.0.1:"+port)
	conns, err := net.ConnectionsWithContext(context.Background(), "inet")
	if err != nil {
		t.Fatal(err)
	}
	doc := decode(t, whoport(t, "--json", "-a", port+"/tcp"))
	ours := map[string]bool{}
	for _, s := range doc.Sockets {
		if len(s.Holders) == 0 { // gopsutil says pid 0: the accepted connection no one has taken yet
			ours[fmt.Sprintf("%s:%d %s:%d 0", s.Local.Addr, s.Local.Port, s.Remote.Addr, s.Remote.Port)] = true
		}
		for _, h := range s.Holders {
			ours[fmt.Sprintf("%s:%d %s:%d %d", s.Local.Addr, s.Local.Port, s.Remote.Addr, s.Remote.Port, h.PID)] = true
		}
	}
	// Only the test's sockets, by local and remote address: other
	// processes may have sockets on the same port numbers, and come and go
	// between the two reads.
	local := client.said["local"]
	tuples := map[string]bool{
		"127.0.0.1:" + port + " 0.0.0.0:0":          true,
		"127.0.0.1:" + local + " 127.0.0.1:" + port: true,
		"127.0.0.1:" + port + " 127.0.0.1:" + local: true,
	}
	n := 0
	for _, cn := range conns {
		tuple := fmt.Sprintf("%s:%d %s:%d", cn.Laddr.IP, cn.Laddr.Port, orZero(cn.Raddr.IP), cn.Raddr.Port)
		if cn.Type != syscall.SOCK_STREAM || !tuples[tuple] {
			continue
		}
		n++
		k := fmt.Sprintf("%s %d", tuple, cn.Pid)
		if !ours[k] {
			t.Errorf("gopsutil reports %s (status %s), whoport does not; whoport has %v", k, cn.Status, ours)
		}
	}
	if n < len(tuples) {
		t.Errorf("gopsutil reports %d of the test's connections; want the listener and both ends of the client's", n)
	}
	if !ours[fmt.Sprintf("127.0.0.1:%s 127.0.0.1:%s %d", client.said["local"], port, client.pid)] {
		t.Errorf("whoport -a lacks the client %d", client.pid)
	}
}

func orZero(ip string) string {
	if ip == "" {
		return "0.0.0.0"
	}
	return ip
}

// sockKeys writes sockets as "tcp 127.0.0.1:P LISTEN [pids]", sorted.
func sockKeys(socks []jsonSocket) []string {
	var k []string
	for _, s := range socks {
		k = append(k, fmt.Sprintf("%s %s:%d %s %v", s.Proto, s.Local.Addr, s.Local.Port, s.State, holderPIDsOf(s)))
	}
	slices.Sort(k)
	return k
}

// TestFilters: the filters pick the children's sockets out of the host's.
func TestFilters(t *testing.T) {
	t.Parallel()
	l := holdSockets(t, "listen", "")
	sh := holdSockets(t, "share", "")
	client := holdSockets(t, "connect", "127.0.0.1:"+l.port(t, "tcp4"))
	sibling, _ := strconv.Atoi(sh.said["sibling"])
	marker := childMarker(t)
	mine := []string{"-c", marker} // only the children of this test
	want := func(entries ...string) []string { slices.Sort(entries); return entries }
	lp := func(key string) string { return l.port(t, key) }
	listeners := []string{
		fmt.Sprintf("tcp 127.0.0.1:%s LISTEN [%d]", lp("tcp4"), l.pid),
		fmt.Sprintf("tcp ::1:%s LISTEN [%d]", lp("tcp6"), l.pid),
		fmt.Sprintf("udp 127.0.0.1:%s BOUND [%d]", lp("udp4"), l.pid),
		fmt.Sprintf("udp ::1:%s BOUND [%d]", lp("udp6"), l.pid),
	}
	shared := fmt.Sprintf("tcp 127.0.0.1:%s LISTEN %v", sh.said["tcp4"], sortedPIDs(sh.pid, int32(sibling)))
	conn := fmt.Sprintf("tcp 127.0.0.1:%s ESTABLISHED [%d]", client.said["local"], client.pid)
	uid := fmt.Sprint(os.Geteuid())
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"every listener of the children", nil, want(append(listeners, shared)...)},
		{"-a adds the client", []string{"-a"}, want(append(listeners, shared, conn)...)},
		{"--pid", []string{"-p", fmt.Sprint(l.pid)}, want(listeners...)},
		{"--pid of the sibling", []string{"--pid", sh.said["sibling"]}, want(shared)},
		{"--command of one mode", []string{"-c", marker + "share"}, want(shared)},
		{"--state listen", []string{"--state", "LISTEN"}, want(listeners[0], listeners[1], shared)},
		{"--state bound (ss: unconn)", []string{"--state", "unconn"}, want(listeners[2], listeners[3])},
		{"--state established", []string{"--state", "ESTAB"}, want(conn)},
		{"-t -6", []string{"-t", "-6"}, want(listeners[1])},
		{"-u -4", []string{"-u", "-4"}, want(listeners[2])},
		{"--user, ours", []string{"--user", uid, "-p", fmt.Sprint(l.pid)}, want(listeners...)},
		{"--user, nobody's", []string{"--user", "4242"}, nil},
		{"a query with filters: the port's clients", []string{"-a", "--state", "established", lp("tcp4") + "/tcp"}, want(conn)},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"--json"}, c.args...)
			if !slices.Contains(c.args, "-c") { // several -c select any of them
				args = append(args, mine...)
			}
			r := whoport(t, args...)
			if got := sockKeys(held(decode(t, r))); !slices.Equal(got, c.want) {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(c.want, "\n\t"))
			}
			if wantCode := map[bool]int{true: 0, false: 1}[len(c.want) > 0]; r.code != wantCode {
				t.Errorf("exit %d, want %d", r.code, wantCode)
			}
		})
	}
	t.Run("class", func(t *testing.T) {
		t.Parallel()
		port, _ := strconv.Atoi(lp("tcp4"))
		class := "user"
		if port >= 49152 {
			class = "dynamic"
		}
		doc := decode(t, whoport(t, "--json", "-c", marker+"listen", "--class", class, "-t", "-4"))
		if got := sockKeys(held(doc)); !slices.Equal(got, want(listeners[0])) {
			t.Errorf("--class %s: got %v, want %v", class, got, listeners[0])
		}
		if r := whoport(t, "-c", marker+"listen", "--class", "system"); r.code != 1 {
			t.Errorf("--class system: exit %d, want 1 (nothing)", r.code)
		}
	})
}

func sortedPIDs(pids ...int32) []int32 {
	slices.Sort(pids)
	return pids
}

// TestByProcess: each process once with its sockets, the process that
// inherited a listener under the one that made it.
func TestByProcess(t *testing.T) {
	t.Parallel()
	sh := holdSockets(t, "share", "")
	r := whoport(t, "--by-process", "-c", childMarker(t))
	if r.code != 0 {
		t.Fatalf("exit %d; stderr: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	wantLines := []string{
		fmt.Sprintf("pid %d  ", sh.pid),
		"  tcp 127.0.0.1:" + sh.said["tcp4"] + "  ",
		fmt.Sprintf("    pid %s  ", sh.said["sibling"]),
		"      the same 1 socket as its parent",
		"1 socket, 2 processes",
	}
	if len(lines) != len(wantLines) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(wantLines), r.stdout)
	}
	for i, w := range wantLines {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: got %q, want it to start with %q", i+1, lines[i], w)
		}
	}
}

// TestHiddenFixture: on the fixture /proc, sshd's fd directory has mode
// 000; run as nobody, whoport cannot read it, and says the port is in
// use with its owner, and which holders it could not see. (Root reads any
// directory: the fixture tests of package inspect see sshd.)
func TestHiddenFixture(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run whoport as nobody")
	}
	dir, err := os.MkdirTemp("", "whoport-fixture-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir+"/500/fd", 0o755); os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	data, err := os.ReadFile("../../testdata/proc/basic.txt")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := fixture.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := fixture.Write(dir, entries); err != nil {
		t.Fatal(err)
	}
	r := fixtureAs(t, nobody, "--proc-root", dir, "--json", "22", "80")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0; stderr: %s", r.code, r.stderr)
	}
	doc := decode(t, r)
	got := sockKeys(doc.Sockets)
	want := []string{"tcp 0.0.0.0:22 LISTEN []", "tcp 0.0.0.0:80 LISTEN [100 101]", "tcp 127.0.0.1:80 ESTABLISHED [101]", "tcp :::80 LISTEN [100 101]"}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, s := range doc.Sockets {
		if hidden := s.Local.Port == 22; s.HoldersHidden != hidden || (hidden && s.UID != 0) {
			t.Errorf("port %d: hidden %v uid %d; want hidden only for sshd's, owned by uid 0", s.Local.Port, s.HoldersHidden, s.UID)
		}
	}
	if doc.Unreadable != 1 || !strings.Contains(r.stderr, "1 process of other users could not be read") {
		t.Errorf("unreadable %d, stderr %q; want 1 process, and the hint", doc.Unreadable, r.stderr)
	}
}
