package inspect

import (
	"net/netip"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/whoport/whoport/services"
)

func listener(addr string, pid int32) Socket {
	ap := netip.MustParseAddrPort(addr)
	s := Socket{Proto: services.TCP, Family: IPv4, Local: ap, State: Listen, UID: 1000, Inode: 1,
		Holders: []*Process{{PID: pid, Name: "srv"}}}
	if ap.Addr().Is6() {
		s.Family = IPv6
	}
	return s
}

func TestExplain(t *testing.T) {
	cfg := NetConfig{Ephemeral: PortRange{32768, 60999}, UnprivilegedPortStart: 1024, Reserved: []PortRange{{9000, 9000}}}
	v6only := listener("[::]:8080", 7)
	v6only.V6Only = true
	tw := Socket{Proto: services.TCP, Family: IPv4, Local: netip.MustParseAddrPort("127.0.0.1:8080"),
		Remote: netip.MustParseAddrPort("127.0.0.1:50000"), State: TimeWait, Timer: 42 * time.Second}
	client := Socket{Proto: services.TCP, Family: IPv4, Local: netip.MustParseAddrPort("127.0.0.1:8080"),
		Remote: netip.MustParseAddrPort("127.0.0.1:443"), State: Established, Inode: 9, Holders: []*Process{{PID: 9}}}
	udp := listener("0.0.0.0:8080", 8)
	udp.Proto, udp.State = services.UDP, Close
	hidden := listener("0.0.0.0:8080", 0)
	hidden.Holders, hidden.Hidden, hidden.UID, hidden.User = nil, true, 0, "root"
	for _, c := range []struct {
		name  string
		bind  string // addr:port
		opts  func(*Bind)
		socks []Socket
		want  string // codes, "!" marking the blocking ones
	}{
		{"free", "0.0.0.0:8080", nil, nil, ""},
		{"same address", "127.0.0.1:8080", nil, []Socket{listener("127.0.0.1:8080", 1)}, "!same-address"},
		{"same wildcard", "0.0.0.0:8080", nil, []Socket{listener("0.0.0.0:8080", 1)}, "!same-address"},
		{"held by the wildcard", "127.0.0.1:8080", nil, []Socket{listener("0.0.0.0:8080", 1)}, "!wildcard-holder"},
		{"a specific holder", "0.0.0.0:8080", nil, []Socket{listener("127.0.0.1:8080", 1)}, "!specific-holder"},
		{"another specific address", "127.0.0.2:8080", nil, []Socket{listener("127.0.0.1:8080", 1)}, ""},
		{"another port", "0.0.0.0:8081", nil, []Socket{listener("0.0.0.0:8080", 1)}, ""},
		{"another protocol", "0.0.0.0:8080", nil, []Socket{udp}, ""},
		{"UDP on UDP", "127.0.0.1:8080", func(b *Bind) { b.Proto = services.UDP }, []Socket{udp}, "!wildcard-holder"},
		{"UDP, both SO_REUSEADDR", "127.0.0.1:8080", func(b *Bind) { b.Proto, b.ReuseAddr = services.UDP, true }, []Socket{udp}, "wildcard-holder"},
		{"dual-stack bind over IPv4", "[::]:8080", nil, []Socket{listener("127.0.0.1:8080", 1)}, "!dual-stack"},
		{"v6only bind over IPv4", "[::]:8080", func(b *Bind) { b.V6Only = true }, []Socket{listener("127.0.0.1:8080", 1)}, ""},
		{"IPv4 bind under a dual-stack holder", "127.0.0.1:8080", nil, []Socket{listener("[::]:8080", 1)}, "!dual-stack"},
		{"IPv4 bind beside a v6only holder", "0.0.0.0:8080", nil, []Socket{v6only}, ""},
		{"IPv6 bind on a v6only holder", "[::1]:8080", nil, []Socket{v6only}, "!wildcard-holder"},
		{"IPv6 loopback beside IPv4 loopback", "[::1]:8080", nil, []Socket{listener("127.0.0.1:8080", 1)}, ""},
		{"TIME_WAIT", "127.0.0.1:8080", nil, []Socket{tw}, "!time-wait"},
		{"TIME_WAIT and SO_REUSEADDR", "127.0.0.1:8080", func(b *Bind) { b.ReuseAddr = true }, []Socket{tw}, "time-wait"},
		{"a connection, SO_REUSEADDR", "0.0.0.0:8080", func(b *Bind) { b.ReuseAddr = true }, []Socket{client}, "connections"},
		{"a connection", "0.0.0.0:8080", nil, []Socket{client}, "!connections"},
		{"a listener, SO_REUSEADDR", "0.0.0.0:8080", func(b *Bind) { b.ReuseAddr = true }, []Socket{listener("0.0.0.0:8080", 1)}, "!same-address"},
		{"SO_REUSEPORT", "127.0.0.1:8080", func(b *Bind) { b.ReusePort = true }, []Socket{listener("127.0.0.1:8080", 1)}, "!reuseport"},
		{"privileged", "0.0.0.0:80", nil, nil, "!privileged-port"},
		{"privileged, with the capability", "0.0.0.0:80", func(b *Bind) { b.Privileged = true }, nil, ""},
		{"ephemeral", "0.0.0.0:40000", nil, nil, "ephemeral-range"},
		{"reserved", "0.0.0.0:9000", nil, nil, "reserved-port"},
		{"two localhosts", "0.0.0.0:8080", nil, []Socket{listener("[::1]:8080", 2), listener("127.0.0.1:8080", 1)}, "!specific-holder which-localhost"},
		{"one localhost, one server", "0.0.0.0:8080", nil, []Socket{listener("[::1]:8080", 1), listener("127.0.0.1:8080", 1)}, "!specific-holder"},
		{"a hidden holder", "0.0.0.0:8080", nil, []Socket{hidden}, "!same-address"},
	} {
		ap := netip.MustParseAddrPort(c.bind)
		b := Bind{Proto: services.TCP, Addr: ap.Addr(), Port: ap.Port(), UID: 1000}
		if c.opts != nil {
			c.opts(&b)
		}
		var got []string
		for _, f := range Explain(b, c.socks, cfg) {
			code := f.Code
			if f.Blocking {
				code = "!" + code
			}
			got = append(got, code)
			if f.Message == "" || strings.Contains(f.Message, "\n") {
				t.Errorf("%s: %s has no one-line message: %q", c.name, f.Code, f.Message)
			}
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("%s: got %q, want %q", c.name, g, c.want)
		}
	}
}

func TestExplainWords(t *testing.T) {
	cfg := DefaultNetConfig
	fs := Explain(Bind{Proto: services.TCP, Addr: netip.IPv4Unspecified(), Port: 8080, UID: 1000},
		[]Socket{listener("127.0.0.1:8080", 4982)}, cfg)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "pid 4982 (srv) holds 127.0.0.1:8080") ||
		!strings.Contains(fs[0].Fix, "stop pid 4982") || !strings.Contains(fs[0].Fix, "127.0.0.2:8080") {
		t.Errorf("got %+v; want the culprit, the pid to stop and another address", fs)
	}
	tw := Socket{Proto: services.TCP, Local: netip.MustParseAddrPort("127.0.0.1:8080"), Remote: netip.MustParseAddrPort("127.0.0.1:5"), State: TimeWait, Timer: 42 * time.Second}
	fs = Explain(Bind{Proto: services.TCP, Addr: netip.MustParseAddr("127.0.0.1"), Port: 8080}, []Socket{tw}, cfg)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "for 42s more") || !strings.Contains(fs[0].Fix, "SO_REUSEADDR") {
		t.Errorf("got %+v; want the timer and SO_REUSEADDR", fs)
	}
	fs = Explain(Bind{Proto: services.TCP, Addr: netip.MustParseAddr("127.0.0.1"), Port: 8080, ReusePort: true, UID: 1001},
		[]Socket{listener("127.0.0.1:8080", 3)}, cfg)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "same user") {
		t.Errorf("got %+v; want the user rule of SO_REUSEPORT", fs)
	}
}

// TestExplainAcceptedConnections: a server's accepted connections are told
// with its listener, once; connections whose server is gone are one
// finding.
func TestExplainAcceptedConnections(t *testing.T) {
	srv := listener("0.0.0.0:8080", 42)
	conn := func(peer string, pid int32) Socket {
		return Socket{Proto: services.TCP, Family: IPv4, Local: netip.MustParseAddrPort("127.0.0.1:8080"),
			Remote: netip.MustParseAddrPort(peer), State: Established, Inode: 9, Holders: []*Process{{PID: pid, Name: "srv"}}}
	}
	b := Bind{Proto: services.TCP, Addr: netip.IPv4Unspecified(), Port: 8080, Privileged: true}
	fs := Explain(b, []Socket{srv, conn("127.0.0.1:40001", 42), conn("127.0.0.1:40002", 42)}, DefaultNetConfig)
	if len(fs) != 1 || fs[0].Code != CodeSameAddress || !strings.Contains(fs[0].Message, "and 2 connections it accepted") ||
		strings.Contains(fs[0].Message, "the very address") && strings.Contains(fs[0].Message, "40001") {
		t.Errorf("got %+v; want one finding for the listener, with its 2 connections", fs)
	}
	if !strings.Contains(fs[0].Fix, "whoport kill -p 42 8080/tcp") {
		t.Errorf("fix %q: want the kill command that stops exactly pid 42 on 8080/tcp", fs[0].Fix)
	}
	fs = Explain(b, []Socket{conn("127.0.0.1:40001", 43), conn("127.0.0.1:40002", 43)}, DefaultNetConfig)
	if len(fs) != 1 || fs[0].Code != CodeConnections || !fs[0].Blocking || !strings.Contains(fs[0].Message, "2 TCP connections") {
		t.Errorf("got %+v; want one blocking finding for the 2 connections", fs)
	}
}

// TestReconcile: the findings agree with the kernel's answer.
func TestReconcile(t *testing.T) {
	inUse := &BindError{Err: syscall.EADDRINUSE}
	reuse := Bind{Proto: services.TCP, Addr: netip.MustParseAddr("127.0.0.1"), Port: 8080, ReuseAddr: true, ReusePort: true, UID: 1000}
	blocked := Explain(reuse, []Socket{listener("127.0.0.1:8080", 3)}, DefaultNetConfig)
	if got := Reconcile(reuse, slices.Clone(blocked), nil); got[0].Blocking || got[0].Fix != "" || !strings.Contains(got[0].Message, "yet the bind succeeded") {
		t.Errorf("bind succeeded: got %+v; want no block, no fix, and the words saying so", got[0])
	}
	orphan := Socket{Proto: services.TCP, Family: IPv4, Local: netip.MustParseAddrPort("127.0.0.1:8080"),
		Remote: netip.MustParseAddrPort("127.0.0.1:40001"), State: FinWait2, Inode: 0}
	tw := Socket{Proto: services.TCP, Local: netip.MustParseAddrPort("127.0.0.1:8080"), Remote: netip.MustParseAddrPort("127.0.0.1:5"), State: TimeWait}
	b := reuse
	b.ReusePort = false
	fs := Reconcile(b, Explain(b, []Socket{tw}, DefaultNetConfig), inUse)
	if len(fs) != 1 || !fs[0].Blocking || !strings.Contains(fs[0].Message, "did not set SO_REUSEADDR") {
		t.Errorf("--reuseaddr and a failed bind: got %+v; want the TIME_WAIT blocking, and why", fs)
	}
	b.ReuseAddr = false
	fs = Explain(b, []Socket{orphan}, DefaultNetConfig)
	if len(fs) != 1 || strings.Contains(fs[0].Fix, "run as root") || !strings.Contains(fs[0].Fix, "no process holds it") {
		t.Errorf("an orphaned FIN_WAIT2: got %+v; want no 'run as root', and that no process holds it", fs)
	}
	unknown := Socket{Proto: services.TCP, Family: IPv6, State: Listen, Local: netip.MustParseAddrPort("[::]:8080"), Inode: 7, V6OnlyUnknown: true}
	b.Addr = netip.IPv4Unspecified()
	if fs := Reconcile(b, Explain(b, []Socket{unknown}, DefaultNetConfig), inUse); len(fs) != 1 || !fs[0].Blocking || !strings.Contains(fs[0].Message, "so it is dual-stack") {
		t.Errorf("unknown v6only, bind failed: got %+v", fs)
	}
	if fs := Reconcile(b, Explain(b, []Socket{unknown}, DefaultNetConfig), nil); len(fs) != 1 || fs[0].Blocking || !strings.Contains(fs[0].Message, "so it is v6-only") {
		t.Errorf("unknown v6only, bind succeeded: got %+v", fs)
	}
	// A holder hidden from a user other than root: run as root to see it.
	unknown.Hidden = true
	for _, c := range []struct {
		uid  uint32
		want string
	}{{1000, "run as root to see it"}, {0, "even root cannot read it here"}} {
		b.UID = c.uid
		if fs := Reconcile(b, Explain(b, []Socket{unknown}, DefaultNetConfig), inUse); len(fs) != 1 || !strings.Contains(fs[0].Fix, c.want) {
			t.Errorf("hidden holder, uid %d: got %+v, want the fix to say %q", c.uid, fs, c.want)
		}
	}
}
