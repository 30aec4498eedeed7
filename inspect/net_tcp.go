package inspect

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/whoport/whoport/services"
)

// netTable names one of the kernel's /proc/net socket tables.
type netTable struct {
	file   string // under /proc/net
	proto  services.Proto
	family Family
}

var netTables = []netTable{
	{"tcp", services.TCP, IPv4},
	{"tcp6", services.TCP, IPv6},
	{"udp", services.UDP, IPv4},
	{"udp6", services.UDP, IPv6},
}

// userHZ is the unit of the kernel's clock_t values in /proc (USER_HZ): 100
// on every architecture Go supports.
const userHZ = 100

// readNetTables reads /proc/net/{tcp,tcp6,udp,udp6} under the proc root,
// the tables the filter wants, and keeps the sockets it passes. A missing
// table (IPv6 disabled) is skipped, but a root with none of them has no
// socket tables to read, and that is an error. Lines that cannot be parsed
// are returned as warnings. These tables do not say whether an IPv6 socket
// is IPV6_V6ONLY.
func readNetTables(proc string, f *Filter) (socks []Socket, warnings []string, err error) {
	found := false
	for _, t := range netTables {
		if !f.wants(t.proto, t.family) {
			continue
		}
		path := filepath.Join(proc, "net", t.file)
		file, err := os.Open(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read socket table: %w", err)
		}
		found = true
		s, bad, err := parseNetTable(file, t.proto, t.family, f.Match)
		file.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", path, err)
		}
		socks = append(socks, s...)
		for _, b := range bad {
			warnings = append(warnings, path+": "+b.Error())
		}
	}
	if _, err := os.Stat(filepath.Join(proc, "net", "tcp")); !found && err != nil {
		if _, err := os.Stat(proc); err != nil { // a process that exited, say
			return nil, nil, fmt.Errorf("read socket tables: %w", err)
		}
		return nil, nil, fmt.Errorf("%s has no socket tables (net/tcp, net/udp): is it a /proc?", proc)
	}
	return socks, warnings, nil
}

// parseNetTable parses one /proc/net/{tcp,tcp6,udp,udp6} table. Lines that
// do not parse are returned in bad, each naming its line number; the error
// is for failures to read.
func parseNetTable(r io.Reader, proto services.Proto, fam Family, keep func(*Socket) bool) (socks []Socket, bad []error, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	for n := 1; sc.Scan(); n++ {
		if n == 1 {
			continue // header
		}
		s, err := parseNetLine(sc.Text(), proto, fam)
		if err != nil {
			bad = append(bad, fmt.Errorf("line %d: %w", n, err))
			continue
		}
		if keep == nil || keep(&s) {
			socks = append(socks, s)
		}
	}
	return socks, bad, sc.Err()
}

// parseNetLine parses a line such as
//
//	0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 12345 1 ...
func parseNetLine(line string, proto services.Proto, fam Family) (Socket, error) {
	f := strings.Fields(line)
	if len(f) < 10 {
		return Socket{}, fmt.Errorf("%d fields, want at least 10", len(f))
	}
	s := Socket{Proto: proto, Family: fam, V6OnlyUnknown: fam == IPv6}
	var err error
	if s.Local, err = parseHexAddrPort(f[1]); err != nil {
		return s, err
	}
	if s.Remote, err = parseHexAddrPort(f[2]); err != nil {
		return s, err
	}
	st, err := strconv.ParseUint(f[3], 16, 8)
	if err != nil || st == 0 || st > uint64(NewSynRecv) {
		return s, fmt.Errorf("bad state %q", f[3])
	}
	s.State = State(st)
	uid, err := strconv.ParseUint(f[7], 10, 32)
	if err != nil {
		return s, fmt.Errorf("bad uid %q", f[7])
	}
	s.UID = uint32(uid)
	if s.Inode, err = strconv.ParseUint(f[9], 10, 64); err != nil {
		return s, fmt.Errorf("bad inode %q", f[9])
	}
	// "tr:when": timer 3 is TIME_WAIT's, when is in clock ticks.
	if tr, when, ok := strings.Cut(f[5], ":"); ok && tr == "03" {
		if t, err := strconv.ParseUint(when, 16, 32); err == nil {
			s.Timer = time.Duration(t) * time.Second / userHZ
		}
	}
	return s, nil
}

// parseHexAddrPort parses the kernel's "0100007F:1F90": the address as
// 32-bit words printed in host byte order, the port as a number.
func parseHexAddrPort(s string) (netip.AddrPort, error) {
	a, p, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("bad address %q", s)
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("bad port in %q", s)
	}
	b, err := hex.DecodeString(a)
	if err != nil || (len(b) != 4 && len(b) != 16) {
		return netip.AddrPort{}, fmt.Errorf("bad address %q", s)
	}
	for i := 0; i < len(b); i += 4 {
		binary.NativeEndian.PutUint32(b[i:], binary.BigEndian.Uint32(b[i:]))
	}
	addr, _ := netip.AddrFromSlice(b)
	return netip.AddrPortFrom(addr.Unmap(), uint16(port)), nil
}
