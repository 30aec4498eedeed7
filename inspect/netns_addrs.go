package inspect

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
)

// netnsAddrs reads the local addresses of the network namespace a
// process is in, from /proc/PID/net/fib_trie (IPv4: the leaves marked
// "/32 host LOCAL") and /proc/PID/net/if_inet6 (IPv6); who is "self" or
// the pid. Loopback addresses are left out: every namespace has them.
func netnsAddrs(proc, who string) []netip.Addr {
	dir := filepath.Join(proc, who, "net")
	var out []netip.Addr
	if b, err := os.ReadFile(filepath.Join(dir, "fib_trie")); err == nil {
		out = append(out, parseFibTrie(b)...)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "if_inet6")); err == nil {
		out = append(out, parseIfInet6(b)...)
	}
	return out
}

// parseFibTrie reads the local IPv4 addresses from /proc/net/fib_trie: a
// leaf line "|-- 10.88.0.5" followed by "/32 host LOCAL".
func parseFibTrie(b []byte) []netip.Addr {
	var out []netip.Addr
	seen := map[netip.Addr]bool{}
	var leaf netip.Addr
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if a, ok := strings.CutPrefix(line, "|-- "); ok {
			leaf, _ = netip.ParseAddr(a)
			continue
		}
		if strings.HasPrefix(line, "/32 host LOCAL") && leaf.IsValid() && !leaf.IsLoopback() && !seen[leaf] {
			seen[leaf] = true
			out = append(out, leaf)
		}
	}
	return out
}

// parseIfInet6 reads /proc/net/if_inet6: an address in 32 hex digits,
// then the device's index, prefix length, scope, flags and name.
func parseIfInet6(b []byte) []netip.Addr {
	var out []netip.Addr
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 {
			continue
		}
		raw, err := hex.DecodeString(f[0])
		if err != nil || len(raw) != 16 {
			continue
		}
		if a := netip.AddrFrom16([16]byte(raw)); !a.IsLoopback() && !a.IsLinkLocalUnicast() {
			out = append(out, a)
		}
	}
	return out
}
