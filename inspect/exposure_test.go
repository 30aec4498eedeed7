package inspect

import (
	"net/netip"
	"testing"

	"github.com/whoport/whoport/services"
)

func TestExposed(t *testing.T) {
	for _, c := range []struct {
		socket string // as listening() takes it
		state  State  // 0: listening
		want   bool
	}{
		{"tcp 0.0.0.0:80", 0, true},
		{"tcp [::]:80", 0, true},
		{"tcp 192.168.1.10:5432", 0, true},
		{"tcp 10.0.0.1:22", 0, true},
		{"tcp 203.0.113.7:443", 0, true},
		{"tcp [2001:db8::1]:443", 0, true},
		{"udp 0.0.0.0:53", 0, true},
		{"udp 224.0.0.251:5353", 0, false}, // mDNS: link-local multicast
		{"udp 239.1.1.1:5000", 0, true},    // an organisation's multicast group
		{"udp [ff02::fb]:5353", 0, false},
		{"udp [ff01::1]:5000", 0, false},
		{"tcp 127.0.0.1:8080", 0, false},
		{"tcp 127.0.0.53:53", 0, false},
		{"tcp [::1]:8080", 0, false},
		{"tcp [::ffff:127.0.0.1]:8080", 0, false},
		{"tcp [::ffff:192.0.2.1]:8080", 0, true},
		{"tcp 169.254.10.1:80", 0, false},
		{"tcp [fe80::1]:80", 0, false},
		{"tcp 0.0.0.0:80", Established, false}, // a connection is not a listener
		{"tcp 0.0.0.0:80", TimeWait, false},
		{"udp 0.0.0.0:5000", Established, false}, // a connected UDP socket
	} {
		s := listening(c.socket)
		if c.state != 0 {
			s.State = c.state
			s.Remote = netip.MustParseAddrPort("192.0.2.9:1234")
		}
		if got := Exposed(&s); got != c.want {
			t.Errorf("Exposed(%s %s) = %v, want %v", c.socket, s.State.Name(s.Proto), got, c.want)
		}
	}
	if s := (Socket{Proto: services.TCP, State: Listen}); Exposed(&s) {
		t.Errorf("a socket without an address: exposed, want not")
	}
}
