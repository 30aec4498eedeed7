package inspect

import (
	"net/netip"
	"testing"

	"github.com/whoport/whoport/services"
)

func TestForwardOf(t *testing.T) {
	listener := func(proto services.Proto, addr string) *Socket {
		s := &Socket{Proto: proto, Local: netip.MustParseAddrPort(addr), State: Listen}
		if proto == services.UDP {
			s.State = Close
		}
		return s
	}
	zero := listener(services.TCP, "0.0.0.0:8080")
	zero.ZeroBacklog = true
	for _, tc := range []struct {
		name string
		argv []string
		s    *Socket
		want string // "" for no forward
	}{
		{"docker-proxy", []string{"/usr/bin/docker-proxy", "-proto", "tcp", "-host-ip", "0.0.0.0", "-host-port", "8080", "-container-ip", "172.17.0.2", "-container-port", "80"},
			listener(services.TCP, "0.0.0.0:8080"), "docker-proxy 172.17.0.2:80"},
		{"docker-proxy, other protocol", []string{"docker-proxy", "-proto", "udp", "-container-ip", "172.17.0.2", "-container-port", "53"},
			listener(services.TCP, "0.0.0.0:53"), ""},
		{"dockerd reservation", []string{"/usr/bin/dockerd", "-H", "fd://"}, zero, "dockerd  reservation"},
		{"dockerd, a real listener", []string{"/usr/bin/dockerd"}, listener(services.TCP, "0.0.0.0:2375"), ""},
		{"conmon", []string{"/usr/bin/conmon", "--api-version", "1", "-c", string(make64('c')), "-n", "db"},
			listener(services.TCP, "0.0.0.0:5432"), "conmon podman:db reservation"},
		{"crio", []string{"/usr/bin/crio"}, listener(services.TCP, "0.0.0.0:30080"), "cri-o  reservation"},
		{"rootlessport", []string{"rootlessport"}, listener(services.TCP, "0.0.0.0:8080"), "rootlessport "},
		{"pasta range", []string{"pasta", "--config-net", "-t", "9000-9010:7000-7010", "-u", "53"}, listener(services.TCP, "0.0.0.0:9004"), "pasta port 7004"},
		{"pasta udp", []string{"pasta", "-t", "80", "-u", "5353:53"}, listener(services.UDP, "0.0.0.0:5353"), "pasta port 53"},
		{"pasta glued", []string{"pasta", "-t127.0.0.1/8080:80"}, listener(services.TCP, "127.0.0.1:8080"), "pasta port 80"},
		{"kubectl", []string{"kubectl", "port-forward", "deploy/api", "8000:8080", "9000"}, listener(services.TCP, "127.0.0.1:9000"), "kubectl port-forward deploy/api:9000"},
		{"kubectl bare pod", []string{"kubectl", "-n", "x", "port-forward", "web-0", ":80"}, listener(services.TCP, "127.0.0.1:41234"), "kubectl port-forward pod/web-0:80 in namespace x"},
		{"a client is not published", []string{"docker-proxy"}, &Socket{Proto: services.TCP, State: Established}, ""},
		{"nginx", []string{"nginx: master process"}, listener(services.TCP, "0.0.0.0:80"), ""},
	} {
		p := &Process{Name: firstWord(tc.argv[0]), Cmdline: tc.argv}
		got := ""
		if f := forwardOf(p, tc.s); f != nil {
			got = f.Via + " " + f.String()
			if f.Reservation {
				got += " reservation"
			}
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func make64(c byte) []byte {
	b := make([]byte, 64)
	for i := range b {
		b[i] = c
	}
	return b
}

func firstWord(argv0 string) string {
	for i := len(argv0) - 1; i >= 0; i-- {
		if argv0[i] == '/' {
			return argv0[i+1:]
		}
	}
	return argv0
}

// finder is a netnsFinder over literals.
type finder struct {
	addrs map[netip.Addr]*Netns
	paths map[string]*Netns
}

func (f finder) of(a netip.Addr) *Netns       { return f.addrs[a] }
func (f finder) byPath(p string) *Netns       { return f.paths[p] }
func (f finder) byContainer(id string) *Netns { return nil }

func TestMarkForwards(t *testing.T) {
	ctr := &Netns{Name: "nerdctl:web", Container: &Container{Runtime: "containerd", ID: string(make64('d')), Name: "web"}}
	find := finder{addrs: map[netip.Addr]*Netns{netip.MustParseAddr("10.4.0.5"): ctr}}
	rules := []DNATRule{
		{Proto: services.TCP, Ports: PortRange{8080, 8080}, To: netip.MustParseAddrPort("10.4.0.5:80")},
		{Proto: services.TCP, Ports: PortRange{9000, 9009}, To: netip.MustParseAddrPort("10.4.0.5:7000")},
		{Proto: services.UDP, Ports: PortRange{53, 53}, To: netip.MustParseAddrPort("10.4.0.5:0")},
	}
	dockerd := &Process{Name: "dockerd", Cmdline: []string{"/usr/bin/dockerd"}}
	s := []Socket{{Proto: services.TCP, Local: netip.MustParseAddrPort("0.0.0.0:8080"), State: Listen, ZeroBacklog: true, Holders: []*Process{dockerd}}}
	markForwards(s, rules, find)
	if f := s[0].Forward; f == nil || f.String() != "10.4.0.5:80 (containerd:web)" || !f.Reservation {
		t.Errorf("dockerd's reservation: got %+v, want the DNAT rule's target in web", f)
	}
	if rules[0].Netns != ctr || rules[0].Container != ctr.Container {
		t.Errorf("rule: got netns %v container %v, want web's", rules[0].Netns, rules[0].Container)
	}
	for _, tc := range []struct {
		r     int
		proto services.Proto
		port  uint16
		match bool
		to    string
	}{
		{0, services.TCP, 8080, true, "10.4.0.5:80"},
		{0, services.UDP, 8080, false, ""},
		{1, services.TCP, 9003, true, "10.4.0.5:7000"}, // the kernel sends a range to the one port
		{2, services.UDP, 53, true, "10.4.0.5:53"},
		{2, "", 53, true, "10.4.0.5:53"},
	} {
		r := rules[tc.r]
		if got := r.Matches(tc.proto, tc.port); got != tc.match {
			t.Errorf("rule %d matches %s/%d: got %v", tc.r, tc.proto, tc.port, got)
		}
		if tc.match && r.Target(tc.port).String() != tc.to {
			t.Errorf("rule %d target for %d: got %s, want %s", tc.r, tc.port, r.Target(tc.port), tc.to)
		}
	}
}

func TestMapPort(t *testing.T) {
	for _, tc := range []struct {
		spec string
		port uint16
		to   uint16
		ok   bool
	}{
		{"8080:80", 8080, 80, true},
		{"8080", 8080, 8080, true},
		{"8080:80", 8081, 0, false},
		{"~22,1000-1010", 1005, 1005, true},
		{"10.0.0.1/2000-2002:3000-3002", 2002, 3002, true},
		{"none", 80, 0, false},
		{"80-70", 75, 0, false},
	} {
		to, ok := mapPort(tc.spec, tc.port)
		if to != tc.to || ok != tc.ok {
			t.Errorf("mapPort(%q, %d): got %d %v, want %d %v", tc.spec, tc.port, to, ok, tc.to, tc.ok)
		}
	}
}

func TestMarkHolderless(t *testing.T) {
	p := &Process{PID: 7}
	socks := []Socket{
		{Proto: services.TCP, State: FinWait2, Inode: 0},                          // an orphan
		{Proto: services.TCP, State: LastAck, Inode: 0},                           // an orphan
		{Proto: services.TCP, State: TimeWait, Inode: 0},                          // TIME_WAIT: left alone
		{Proto: services.UDP, State: Close, Inode: 9},                             // the kernel's
		{Proto: services.TCP, State: FinWait1, Inode: 10, Holders: []*Process{p}}, // still held
	}
	markHolderless(socks, false)
	want := []string{"orphaned", "orphaned", "", "kernel", ""}
	for i, s := range socks {
		got := ""
		switch {
		case s.Orphaned && !s.Kernel:
			got = "orphaned"
		case s.Kernel && !s.Orphaned:
			got = "kernel"
		}
		if got != want[i] {
			t.Errorf("socket %d: got %q, want %q", i, got, want[i])
		}
	}
	hidden := []Socket{{Proto: services.UDP, State: Close, Inode: 9, Hidden: true}, {Proto: services.UDP, State: Close, Inode: 10, Hidden: true}}
	markHolderless(hidden, true)
	if hidden[0].Kernel || !hidden[0].Hidden {
		t.Errorf("with unreadable processes: got kernel=%v hidden=%v, want hidden", hidden[0].Kernel, hidden[0].Hidden)
	}
	hidden[0].Local = netip.MustParseAddrPort("0.0.0.0:4789")
	nameKernelSockets(hidden, map[*Netns][]Tunnel{nil: {{Kind: "vxlan", Name: "vx0", Port: 4789}}})
	if !hidden[0].Kernel || hidden[0].Hidden || hidden[0].Device != "vxlan vx0" || hidden[1].Kernel {
		t.Errorf("a device on the port: got kernel=%v hidden=%v device=%q; the other kernel=%v", hidden[0].Kernel, hidden[0].Hidden, hidden[0].Device, hidden[1].Kernel)
	}
}

func TestParseAddrs(t *testing.T) {
	trie := []byte(`Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
           |-- 127.0.0.1
              /32 host LOCAL
     +-- 10.88.0.0/16 2 0 2
           |-- 10.88.0.0
              /16 link UNICAST
           |-- 10.88.0.5
              /32 host LOCAL
        |-- 10.88.255.255
           /32 link BROADCAST
Local:
           |-- 10.88.0.5
              /32 host LOCAL
`)
	if got := parseFibTrie(trie); len(got) != 1 || got[0].String() != "10.88.0.5" {
		t.Errorf("fib_trie: got %v, want [10.88.0.5]", got)
	}
	inet6 := []byte("00000000000000000000000000000001 01 80 10 80       lo\nfe8000000000000000fc00fffe000001 04 40 20 80     eth0\nfd000000000000000000000000000002 04 40 00 82     eth0\n")
	if got := parseIfInet6(inet6); len(got) != 1 || got[0].String() != "fd00::2" {
		t.Errorf("if_inet6: got %v, want [fd00::2]", got)
	}
}
