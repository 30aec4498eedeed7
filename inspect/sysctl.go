package inspect

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// NetConfig is the kernel's configuration that decides which ports a
// program may bind and which the kernel hands out by itself. Where a
// value cannot be read, the Linux default stands, and Guessed says so.
type NetConfig struct {
	// Ephemeral is net.ipv4.ip_local_port_range: the ports the kernel
	// picks for outgoing connections and binds to port 0 (it applies to
	// IPv6 too). 32768-60999 by default, not IANA's 49152-65535.
	Ephemeral PortRange
	// Reserved is net.ipv4.ip_local_reserved_ports: ports the kernel does
	// not hand out by itself; explicit binds still succeed.
	Reserved []PortRange
	// UnprivilegedPortStart is net.ipv4.ip_unprivileged_port_start: binding
	// a lower port needs root or CAP_NET_BIND_SERVICE. 1024 by default.
	UnprivilegedPortStart uint16
	// BindV6Only is net.ipv6.bindv6only: whether IPv6 sockets are
	// IPV6_V6ONLY unless they say otherwise. false by default.
	BindV6Only bool
	// Localhost is what the name localhost stands for in /etc/hosts, the
	// addresses a client of "localhost" tries; nil when not known (a
	// fixture), which is taken as both 127.0.0.1 and ::1.
	Localhost []netip.Addr
	// Guessed names the settings that could not be read.
	Guessed []string
}

// DefaultNetConfig is Linux's default configuration.
var DefaultNetConfig = NetConfig{Ephemeral: PortRange{32768, 60999}, UnprivilegedPortStart: 1024}

// InRanges reports whether port is in one of the ranges.
func InRanges(rs []PortRange, port uint16) bool { return inRanges(rs, port) }

// NetConfig reads the configuration from PROC/sys/net. On systems without
// it (other OSes, a fixture without sys/) the defaults stand, marked as
// guessed.
func (s System) NetConfig() NetConfig {
	c := DefaultNetConfig
	read := func(name string) (string, bool) {
		b, err := os.ReadFile(filepath.Join(s.proc, "sys", "net", filepath.FromSlash(name)))
		if err != nil {
			c.Guessed = append(c.Guessed, strings.ReplaceAll(name, "/", "."))
			return "", false
		}
		return strings.TrimSpace(string(b)), true
	}
	if v, ok := read("ipv4/ip_local_port_range"); ok {
		if r, err := parsePortRange(strings.Join(strings.Fields(v), "-")); err == nil {
			c.Ephemeral = r
		}
	}
	if v, ok := read("ipv4/ip_local_reserved_ports"); ok && v != "" {
		for _, part := range strings.Split(v, ",") {
			if r, err := parsePortRange(part); err == nil {
				c.Reserved = append(c.Reserved, r)
			}
		}
	}
	if v, ok := read("ipv4/ip_unprivileged_port_start"); ok {
		if n, err := strconv.ParseUint(v, 10, 16); err == nil {
			c.UnprivilegedPortStart = uint16(n)
		}
	}
	if v, ok := read("ipv6/bindv6only"); ok {
		c.BindV6Only = v == "1"
	}
	if s.live {
		if f, err := os.Open("/etc/hosts"); err == nil {
			c.Localhost = parseHostsLocalhost(f)
			f.Close()
		}
	}
	return c
}

// parseHostsLocalhost reads /etc/hosts for the addresses of the name
// localhost, in their order.
func parseHostsLocalhost(r io.Reader) []netip.Addr {
	var out []netip.Addr
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) < 2 || !slices.ContainsFunc(f[1:], func(n string) bool { return strings.EqualFold(n, "localhost") }) {
			continue
		}
		if a, err := netip.ParseAddr(f[0]); err == nil && !slices.Contains(out, a.Unmap()) {
			out = append(out, a.Unmap())
		}
	}
	return out
}

// parsePortRange reads "32768-60999" or "8080".
func parsePortRange(s string) (PortRange, error) {
	lo, hi, found := strings.Cut(strings.TrimSpace(s), "-")
	if !found {
		hi = lo
	}
	a, err1 := strconv.ParseUint(lo, 10, 16)
	b, err2 := strconv.ParseUint(hi, 10, 16)
	if err1 != nil || err2 != nil || a > b {
		return PortRange{}, fmt.Errorf("bad port range %q", s)
	}
	return PortRange{uint16(a), uint16(b)}, nil
}
