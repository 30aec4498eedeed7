package inspect

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
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
