package inspect

import (
	"net/netip"
	"testing"

	"github.com/whoport/whoport/services"
)

// TestExplainUnknownV6Only: a [::] socket read from /proc/net, whose
// IPV6_V6ONLY is not known, does not block an IPv4 bind in the
// explanation; it is a warning that says what is not known.
func TestExplainUnknownV6Only(t *testing.T) {
	s := Socket{Proto: services.TCP, Family: IPv6, State: Listen, Local: netip.MustParseAddrPort("[::]:8080"), Inode: 7, V6OnlyUnknown: true}
	b := Bind{Proto: services.TCP, Addr: netip.IPv4Unspecified(), Port: 8080, Privileged: true}
	fs := Explain(b, []Socket{s}, DefaultNetConfig)
	if len(fs) != 1 || fs[0].Code != CodeDualStack || fs[0].Blocking {
		t.Fatalf("got %+v; want one warning, not blocking", fs)
	}
	// Known dual-stack blocks; known v6-only does not even warn.
	s.V6OnlyUnknown = false
	if fs := Explain(b, []Socket{s}, DefaultNetConfig); len(fs) != 1 || !fs[0].Blocking {
		t.Errorf("dual-stack: got %+v, want it blocking", fs)
	}
	s.V6Only = true
	if fs := Explain(b, []Socket{s}, DefaultNetConfig); len(fs) != 0 {
		t.Errorf("v6-only: got %+v, want nothing", fs)
	}
}

func TestDualStack(t *testing.T) {
	for _, c := range []struct {
		addr         string
		v6only, unkn bool
		dual, known  bool
	}{
		{"[::]:80", false, false, true, true},
		{"[::]:80", true, false, false, true},
		{"[::]:80", false, true, false, false},
		{"[::1]:80", false, true, false, true},
		{"0.0.0.0:80", false, false, false, true},
	} {
		s := Socket{Local: netip.MustParseAddrPort(c.addr), V6Only: c.v6only, V6OnlyUnknown: c.unkn}
		if dual, known := s.DualStack(); dual != c.dual || known != c.known {
			t.Errorf("%s v6only=%v unknown=%v: got %v %v, want %v %v", c.addr, c.v6only, c.unkn, dual, known, c.dual, c.known)
		}
	}
}
