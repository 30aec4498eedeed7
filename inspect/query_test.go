package inspect

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/whoport/whoport/services"
)

func TestParseQuery(t *testing.T) {
	reg := services.Default()
	for _, c := range []struct {
		in   string
		want string // Proto Addr First-Last, one query per line
	}{
		{"8080", " invalid IP 8080-8080"},
		{":8080", " invalid IP 8080-8080"},
		{"*:8080", " invalid IP 8080-8080"},
		{"127.0.0.1:8080", " 127.0.0.1 8080-8080"},
		{"[::1]:8080", " ::1 8080-8080"},
		{"[::ffff:127.0.0.1]:8080", " 127.0.0.1 8080-8080"},
		{"8080/udp", "udp invalid IP 8080-8080"},
		{"udp:8080", "udp invalid IP 8080-8080"},
		{"TCP:8080", "tcp invalid IP 8080-8080"},
		{"tcp:127.0.0.1:80", "tcp 127.0.0.1 80-80"},
		{"[::1]:53/udp", "udp ::1 53-53"},
		{"8000-8100", " invalid IP 8000-8100"},
		{"ssh", " invalid IP 22-22"},
		{"SSH/tcp", "tcp invalid IP 22-22"},
		{"http-alt", " invalid IP 591-591\n invalid IP 8008-8008\n invalid IP 8080-8080"},
		{"x11", " invalid IP 6000-6063"},
		{"localhost:8080", " 127.0.0.1 8080-8080\n ::1 8080-8080"},
		{"0.0.0.0:80", " 0.0.0.0 80-80"},
		{"65535", " invalid IP 65535-65535"},
		{" 22 ", " invalid IP 22-22"},
		{"[fe80::1%eth0]:80", " fe80::1 80-80"}, // the zone is dropped: the tables have none
	} {
		qs, err := ParseQuery(c.in, reg)
		if err != nil {
			t.Errorf("ParseQuery(%q): %v", c.in, err)
			continue
		}
		var got []string
		for _, q := range qs {
			got = append(got, fmt.Sprintf("%s %s %d-%d", q.Proto, q.Addr, q.First, q.Last))
		}
		if g := strings.Join(got, "\n"); g != c.want {
			t.Errorf("ParseQuery(%q): got %q, want %q", c.in, g, c.want)
		}
	}
}

func TestParseQueryErrors(t *testing.T) {
	reg := services.Default()
	for _, c := range []struct{ in, want string }{
		{"", "empty query: give a port (8080), a range (8000-8100) or a service name (ssh)"},
		{"0", "port 0 is reserved"},
		{"65536", "port 65536 is out of range: ports are 1 to 65535"},
		{"70000", "port 70000 is out of range"},
		{"99999999999999999999", "is out of range"},
		{"-1", `invalid port "-1": ports are numbers from 1 to 65535`},
		{"abc", `unknown service "abc"`},
		{"80-70", "range 80-70 runs backwards: write it low to high, 70-80"},
		{"0-10", "port 0 is reserved"},
		{"8000-", `bad range "8000-": write it low to high, as 8000-8100`},
		{"1-2-3", `bad range "1-2-3"`},
		{"postgress", `unknown service "postgress" (did you mean`},
		{"8080/xyz", `unknown protocol "xyz"`},
		{"tcp:8080/udp", "names two protocols"},
		{"::1:8080", "put an IPv6 address in brackets"},
		{"[127.0.0.1]:80", "bad address"},
		{"300.1.1.1:80", "bad address"},
		{"[::1]", `no port in "[::1]": add one, as in [::1]:8080`},
		{"127.0.0.1", `no port in "127.0.0.1": add one, as in 127.0.0.1:8080`},
		{"example.com:80", `"example.com" is a host name, and whoport does not resolve names`},
		{"db-1:5432", `"db-1" is a host name`},
		{"127.0.0.1:", `no port in "127.0.0.1:"`},
		{"udp:", `no port in "udp:": add one, as in udp:8080`},
		{"\n:", `no port in "\n:": add one, as in :8080`},
		{"[::1%\n]:", `add one, as in :8080`},
		{"tcp:\n80/udp", `names two protocols: keep one (PORT/udp)`},
		{"tcp:80/udp", `names two protocols: keep one (80/udp)`},
	} {
		_, err := ParseQuery(c.in, reg)
		var qe *QueryError
		if !errors.As(err, &qe) {
			t.Errorf("ParseQuery(%q): got %v, want a *QueryError", c.in, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseQuery(%q): got %q, want one line with %q", c.in, err, c.want)
		}
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"8080", ":8080", "127.0.0.1:8080", "[::1]:8080", "8080/udp", "udp:8080",
		"8000-8100", "ssh", "localhost:80", "0", "-1", "80-70", "[", "]:", "/", "tcp:", "x11/tcp"} {
		f.Add(s)
	}
	reg := services.Default()
	f.Fuzz(func(t *testing.T, s string) {
		qs, err := ParseQuery(s, reg)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("ParseQuery(%q): error on several lines: %q", s, err)
			}
			return
		}
		if len(qs) == 0 {
			t.Fatalf("ParseQuery(%q): no queries and no error", s)
		}
		for _, q := range qs {
			if q.First == 0 || q.First > q.Last {
				t.Errorf("ParseQuery(%q): bad range %d-%d", s, q.First, q.Last)
			}
			if q.Addr.Is4In6() || q.Addr.Zone() != "" {
				t.Errorf("ParseQuery(%q): address %v should be plain", s, q.Addr)
			}
		}
	})
}

func sock(proto services.Proto, local, remote string, st State) *Socket {
	s := &Socket{Proto: proto, Local: netip.MustParseAddrPort(local), State: st, Family: IPv4}
	if remote != "" {
		s.Remote = netip.MustParseAddrPort(remote)
	}
	if s.Local.Addr().Is6() {
		s.Family = IPv6
	}
	return s
}

func TestMatch(t *testing.T) {
	reg := services.Default()
	dual := sock(services.TCP, "[::]:8080", "", Listen)
	v6only := sock(services.TCP, "[::]:8080", "", Listen)
	v6only.V6Only = true
	for _, c := range []struct {
		query   string
		s       *Socket
		clients bool
		want    bool
	}{
		{"8080", sock(services.TCP, "0.0.0.0:8080", "", Listen), false, true},
		{"8080", sock(services.UDP, "0.0.0.0:8080", "", Close), false, true},
		{"8080/tcp", sock(services.UDP, "0.0.0.0:8080", "", Close), false, false},
		{"8081", sock(services.TCP, "0.0.0.0:8080", "", Listen), false, false},
		{"127.0.0.1:8080", sock(services.TCP, "0.0.0.0:8080", "", Listen), false, true},
		{"127.0.0.1:8080", sock(services.TCP, "127.0.0.1:8080", "", Listen), false, true},
		{"127.0.0.1:8080", sock(services.TCP, "127.0.0.2:8080", "", Listen), false, false},
		{"127.0.0.1:8080", dual, false, true},
		{"127.0.0.1:8080", v6only, false, false},
		{"[::1]:8080", v6only, false, true},
		{"[::1]:8080", sock(services.TCP, "0.0.0.0:8080", "", Listen), false, false},
		{"[::1]:8080", sock(services.TCP, "127.0.0.1:8080", "", Listen), false, false},
		{"0.0.0.0:8080", sock(services.TCP, "127.0.0.1:8080", "", Listen), false, true},
		{"0.0.0.0:8080", dual, false, true},
		{"0.0.0.0:8080", sock(services.TCP, "[::1]:8080", "", Listen), false, false},
		{"[::]:8080", sock(services.TCP, "127.0.0.1:8080", "", Listen), false, true},
		{"8000-8100", sock(services.TCP, "0.0.0.0:8100", "", Listen), false, true},
		{"8000-8100", sock(services.TCP, "0.0.0.0:8101", "", Listen), false, false},
		// A client connected to the port: only with clients.
		{"5432", sock(services.TCP, "127.0.0.1:40000", "127.0.0.1:5432", Established), false, false},
		{"5432", sock(services.TCP, "127.0.0.1:40000", "127.0.0.1:5432", Established), true, true},
		{"127.0.0.1:5432", sock(services.TCP, "127.0.0.1:40000", "127.0.0.1:5432", Established), true, true},
		{"127.0.0.2:5432", sock(services.TCP, "127.0.0.1:40000", "127.0.0.1:5432", Established), true, false},
	} {
		qs, err := ParseQuery(c.query, reg)
		if err != nil {
			t.Fatal(err)
		}
		if got := qs[0].Match(c.s, c.clients); got != c.want {
			t.Errorf("%q matches %s %v v6only=%v (clients %v): got %v, want %v",
				c.query, c.s.Proto, c.s.Local, c.s.V6Only, c.clients, got, c.want)
		}
	}
}

func TestAttach(t *testing.T) {
	procs := map[int32]*Process{10: {PID: 10}, 11: {PID: 11}}
	for _, c := range []struct {
		name           string
		inode          uint64
		holders        map[uint64][]int32
		someUnreadable bool
		wantPIDs       []int32
		wantHidden     bool
	}{
		{"two holders, sorted, once each", 5, map[uint64][]int32{5: {11, 10, 11}}, false, []int32{10, 11}, false},
		{"holder seen despite unreadable others", 5, map[uint64][]int32{5: {10}}, true, []int32{10}, false},
		{"no holder, others unreadable: hidden", 5, nil, true, nil, true},
		{"no holder, all readable: not hidden", 5, nil, false, nil, false},
		{"TIME_WAIT has no inode: never hidden", 0, map[uint64][]int32{0: {10}}, true, nil, false},
		{"holder vanished before describing", 5, map[uint64][]int32{5: {99}}, false, nil, false},
	} {
		socks := []Socket{{Inode: c.inode}}
		attach(socks, c.holders, procs, c.someUnreadable)
		var pids []int32
		for _, h := range socks[0].Holders {
			pids = append(pids, h.PID)
		}
		if fmt.Sprint(pids) != fmt.Sprint(c.wantPIDs) || socks[0].Hidden != c.wantHidden {
			t.Errorf("%s: got holders %v hidden %v; want %v, %v", c.name, pids, socks[0].Hidden, c.wantPIDs, c.wantHidden)
		}
	}
}

// TestQuerySet: many queries are merged for matching, and each socket
// matches as the queries one by one would have it.
func TestQuerySet(t *testing.T) {
	reg := services.Default()
	var qs []Query
	for _, text := range []string{"80", "81", "82", "8000-8100", "udp:53", "127.0.0.1:5432", "[::1]:5432/tcp"} {
		q, err := ParseQuery(text, reg)
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs, q...)
	}
	set := NewQuerySet(qs)
	socks := []Socket{
		{Proto: services.TCP, State: Listen, Local: netip.MustParseAddrPort("0.0.0.0:81")},
		{Proto: services.TCP, State: Listen, Local: netip.MustParseAddrPort("0.0.0.0:53")},
		{Proto: services.UDP, State: Close, Local: netip.MustParseAddrPort("0.0.0.0:53")},
		{Proto: services.TCP, State: Listen, Local: netip.MustParseAddrPort("127.0.0.2:5432")},
		{Proto: services.TCP, State: Listen, Local: netip.MustParseAddrPort("0.0.0.0:5432")},
		{Proto: services.TCP, State: Listen, Local: netip.MustParseAddrPort("0.0.0.0:8101")},
		{Proto: services.TCP, State: Established, Local: netip.MustParseAddrPort("127.0.0.1:40000"), Remote: netip.MustParseAddrPort("127.0.0.1:8050")},
	}
	for i := range socks {
		s := &socks[i]
		for _, clients := range []bool{false, true} {
			want := slices.ContainsFunc(qs, func(q Query) bool { return q.Match(s, clients) })
			if got := set.Match(s, clients); got != want {
				t.Errorf("%s %s clients=%v: got %v, want %v", s.Proto, s.Local, clients, got, want)
			}
		}
	}
	if got := set.Ports(); !slices.Equal(got, []PortRange{{53, 53}, {80, 82}, {5432, 5432}, {8000, 8100}}) {
		t.Errorf("Ports: got %v", got)
	}
	if got := set.Singles(); !slices.Equal(got, []uint16{53, 80, 81, 82, 5432}) {
		t.Errorf("Singles: got %v", got)
	}
	if got := set.Protos(53); !slices.Equal(got, []services.Proto{services.UDP}) {
		t.Errorf("Protos(53): got %v, want udp", got)
	}
}
