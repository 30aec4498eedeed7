package inspect

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/whoport/whoport/services"
)

func TestNetConfig(t *testing.T) {
	root := t.TempDir()
	write := func(name, v string) {
		p := filepath.Join(root, "sys", "net", name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(v), 0o644)
	}
	// Nothing there: Linux's defaults, all guessed.
	c := Fixture(root, Identity{}).NetConfig()
	if c.Ephemeral != (PortRange{32768, 60999}) || c.UnprivilegedPortStart != 1024 || c.BindV6Only || len(c.Guessed) != 4 {
		t.Errorf("empty root: got %+v, want the defaults, guessed", c)
	}
	write("ipv4/ip_local_port_range", "10000\t20000\n")
	write("ipv4/ip_local_reserved_ports", "8080,9000-9010\n")
	write("ipv4/ip_unprivileged_port_start", "80\n")
	write("ipv6/bindv6only", "1\n")
	c = Fixture(root, Identity{}).NetConfig()
	want := NetConfig{Ephemeral: PortRange{10000, 20000}, Reserved: []PortRange{{8080, 8080}, {9000, 9010}}, UnprivilegedPortStart: 80, BindV6Only: true}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got %+v, want %+v", c, want)
	}
	if live := liveSystem(t).NetConfig(); len(live.Guessed) != 0 && os.Getenv("CI") == "" {
		t.Logf("the live host hides %v", live.Guessed)
	}
}

func TestParseHostsLocalhost(t *testing.T) {
	hosts := `127.0.0.1	localhost
127.0.1.1	box
# ::1 localhost ip6-localhost
::1     ip6-localhost ip6-loopback
`
	if got := parseHostsLocalhost(strings.NewReader(hosts)); len(got) != 1 || got[0].String() != "127.0.0.1" {
		t.Errorf("got %v, want 127.0.0.1 alone", got)
	}
	hosts += "::1 localhost\n"
	if got := parseHostsLocalhost(strings.NewReader(hosts)); len(got) != 2 || got[1].String() != "::1" {
		t.Errorf("got %v, want 127.0.0.1 and ::1", got)
	}
}

// TestWhichLocalhostNeedsBoth: two servers on 127.0.0.1 and ::1 confuse
// clients of localhost only where the name stands for both.
func TestWhichLocalhostNeedsBoth(t *testing.T) {
	socks := []Socket{listener("127.0.0.1:8080", 1), listener("[::1]:8080", 2)}
	b := Bind{Proto: services.TCP, Addr: netip.MustParseAddr("127.0.0.2"), Port: 8080, Privileged: true}
	cfg := DefaultNetConfig
	if fs := Explain(b, socks, cfg); len(fs) != 1 || fs[0].Code != CodeWhichLocalhost {
		t.Errorf("localhost unknown: got %+v, want which-localhost", fs)
	}
	cfg.Localhost = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	if fs := Explain(b, socks, cfg); len(fs) != 0 {
		t.Errorf("localhost is 127.0.0.1 alone: got %+v, want nothing", fs)
	}
}
