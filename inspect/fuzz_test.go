package inspect

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// FuzzCgroup: who a holder is, from the contents of its /proc/PID/cgroup.
// A unit is a .service, .scope or .socket; a container has a 64-digit id.
func FuzzCgroup(f *testing.F) {
	for _, s := range []string{
		"0::/system.slice/nginx.service\n",
		"0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.service\n",
		"0::/system.slice/docker-" + strings.Repeat("ab", 32) + ".scope\n",
		"12:cpu:/docker/" + strings.Repeat("0f", 32) + "\n1:name=systemd:/docker/" + strings.Repeat("0f", 32) + "\n",
		"0::/kubepods/burstable/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/" + strings.Repeat("12", 32) + "\n",
		"0::/kubepods.slice/kubepods-burstable-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/cri-containerd-" + strings.Repeat("9", 64) + ".scope\n",
		"0::/\n", "::\n", "0:::\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := cgroupPath(data)
		if p != "" && !bytes.Contains(data, []byte(p)) {
			t.Errorf("cgroupPath gave %q, not in %q", p, data)
		}
		if unit, _ := unitOf(p); unit != "" && !strings.HasSuffix(unit, ".service") && !strings.HasSuffix(unit, ".scope") && !strings.HasSuffix(unit, ".socket") {
			t.Errorf("unitOf(%q) = %q: not a unit", p, unit)
		}
		if c := containerOf(p); c != nil && (!isContainerID(c.ID) || c.Runtime == "" || len(c.ShortID()) != 12) {
			t.Errorf("containerOf(%q) = %+v", p, *c)
		}
	})
}

// FuzzDockerProxyTarget: a process's arguments are its own to choose; a
// target, when one is read, is an address and port, and maybe a protocol.
func FuzzDockerProxyTarget(f *testing.F) {
	f.Add("/usr/bin/docker-proxy\x00-proto\x00tcp\x00-host-ip\x000.0.0.0\x00-host-port\x008080\x00-container-ip\x00172.17.0.2\x00-container-port\x0080")
	f.Add("docker-proxy\x00--container-ip=::1\x00--container-port=65535\x00-proto")
	f.Add("docker-proxy\x00-container-ip\x00-container-port\x0080")
	f.Fuzz(func(t *testing.T, args string) {
		target := dockerProxyTarget(strings.Split(args, "\x00"))
		if target == "" {
			return
		}
		addr, _, _ := strings.Cut(target, "/")
		if _, err := netip.ParseAddrPort(addr); err != nil {
			t.Errorf("dockerProxyTarget(%q) = %q: %v", args, target, err)
		}
	})
}

// FuzzSocketUnits: LISTEN_FDNAMES in a process's environment, which the
// process may have set itself: each name once, none empty.
func FuzzSocketUnits(f *testing.F) {
	f.Add([]byte("PATH=/bin\x00LISTEN_FDS=2\x00LISTEN_FDNAMES=web.socket:web.socket:admin.socket\x00"))
	f.Add([]byte("LISTEN_FDNAMES=::\x00LISTEN_FDNAMES=x"))
	f.Fuzz(func(t *testing.T, environ []byte) {
		units := socketUnits(environ)
		for i, u := range units {
			if u == "" || slices.Contains(units[:i], u) || strings.ContainsAny(u, ":\x00") {
				t.Errorf("socketUnits(%q) = %q", environ, units)
			}
		}
	})
}
