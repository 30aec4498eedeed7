package inspect

import (
	"slices"
	"testing"

	"github.com/whoport/whoport/services"
)

func TestFreePortsOrder(t *testing.T) {
	reg := services.Default()
	cfg := NetConfig{UnprivilegedPortStart: 1024, Ephemeral: PortRange{First: 1030, Last: 1035}, Reserved: []PortRange{{First: 1040, Last: 1040}}}
	all := func(uint16) bool { return true }
	got := FreePorts(reg, cfg, PortRange{First: 1020, Last: 1050}, 100, all)
	if slices.Contains(got, 1031) || slices.Contains(got, 1040) || slices.Contains(got, 1020) {
		t.Errorf("got %v: the ephemeral range, reserved ports and privileged ports below 1024 must be left out", got)
	}
	// IANA-unassigned ports come first.
	first := got[0]
	if reg.Port(first, services.TCP).Status != services.Unassigned {
		t.Errorf("first port %d is assigned on TCP; unassigned ones come first: %v", first, got)
	}
	held := func(p uint16) bool { return p != first }
	if got := FreePorts(reg, cfg, PortRange{First: 1024, Last: 1050}, 1, held); len(got) != 1 || got[0] == first {
		t.Errorf("got %v, want one port other than %d", got, first)
	}
}

// TestBindableEverywhere asks TCP and UDP on the dual-stack wildcard.
func TestBindableEverywhere(t *testing.T) {
	p := &fakeProber{}
	if !BindableEverywhere(p)(8080) || len(p.asked) != 2 || p.asked[0].Proto != services.TCP || p.asked[1].Proto != services.UDP || !p.asked[0].Addr.IsUnspecified() {
		t.Errorf("asked %v; want TCP and UDP on [::]", p.asked)
	}
	if BindableEverywhere(&fakeProber{fails: 1})(8080) {
		t.Errorf("a port held on TCP is not free")
	}
	p = &fakeProber{}
	if !BindableEverywhere(p, services.UDP)(8080) || len(p.asked) != 1 || p.asked[0].Proto != services.UDP {
		t.Errorf("UDP alone: asked %v", p.asked)
	}
}
