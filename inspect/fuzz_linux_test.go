package inspect

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/whoport/whoport/services"
)

// FuzzParseStat: /proc/PID/stat holds the command name the process gave
// itself (spaces, parentheses, newlines, anything but NUL). Whatever the
// name, the fields after it parse to the same values.
func FuzzParseStat(f *testing.F) {
	f.Add("nginx", int32(1), uint64(4194560), uint64(1000))
	f.Add("a) S 99 (b", int32(7), uint64(0x00200000), uint64(0))
	f.Add(") ) )", int32(-1), uint64(0), uint64(18446744073709551615))
	f.Add("x\n1 (y) S 2", int32(2147483647), uint64(1), uint64(1))
	f.Fuzz(func(t *testing.T, name string, ppid int32, flags, start uint64) {
		line := fmt.Sprintf("42 (%s) S %d 42 42 0 -1 %d 100 0 0 0 1 2 0 0 20 0 1 0 %d 1000000 100 18446744073709551615\n", name, ppid, flags, start)
		st, err := parseStat([]byte(line))
		if err != nil {
			t.Fatalf("parseStat(%q): %v", line, err)
		}
		if want := (procStat{ppid: ppid, flags: flags, startTicks: start}); st != want {
			t.Errorf("parseStat(%q): got %+v, want %+v", line, st, want)
		}
		parseStat([]byte(name)) // the name alone: an error or a value, never a panic
	})
}

// FuzzParseInetDiagMsg: a struct inet_diag_msg and its attributes, as the
// kernel's sock_diag answers hold them, parse to a socket of the table's
// protocol and family, or to an error exactly when the message is short.
// (FuzzSockDiagAnswer walks whole answers.)
func FuzzParseInetDiagMsg(f *testing.F) {
	msg := make([]byte, inetDiagMsgLen, inetDiagMsgLen+8)
	msg[0], msg[1] = 2, byte(Listen)          // AF_INET, LISTEN
	binary.BigEndian.PutUint16(msg[4:], 8080) // sport
	copy(msg[8:], []byte{127, 0, 0, 1})       // src
	binary.NativeEndian.PutUint32(msg[64:], 1000)
	binary.NativeEndian.PutUint32(msg[68:], 12345)
	f.Add(msg, uint8(0))
	v6only := binary.NativeEndian.AppendUint16(nil, 5)
	v6only = binary.NativeEndian.AppendUint16(v6only, inetDiagSkV6Only)
	f.Add(append(append(msg[:inetDiagMsgLen:inetDiagMsgLen], v6only...), 1, 0, 0, 0), uint8(1))
	f.Add(append(msg[:inetDiagMsgLen:inetDiagMsgLen], 0xff, 0xff, 0, 0), uint8(1))
	f.Add(msg[:inetDiagMsgLen-1], uint8(2))
	f.Fuzz(func(t *testing.T, m []byte, table uint8) {
		tab := netTables[int(table)%len(netTables)]
		s, err := parseInetDiagMsg(m, tab)
		if (err != nil) != (len(m) < inetDiagMsgLen) {
			t.Fatalf("%d bytes: got error %v; want one exactly when shorter than %d", len(m), err, inetDiagMsgLen)
		}
		if err != nil {
			return
		}
		if s.Proto != tab.proto || s.Family != tab.family {
			t.Errorf("got %s/%s, want the table's %s/%s", s.Proto, s.Family, tab.proto, tab.family)
		}
		for _, a := range []struct {
			name string
			ok   bool
		}{{"local", s.Local.Addr().IsValid()}, {"remote", s.Remote.Addr().IsValid()}} {
			if !a.ok {
				t.Errorf("no %s address: %+v", a.name, s)
			}
		}
		if tab.family == IPv4 && (!s.Local.Addr().Is4() || !s.Remote.Addr().Is4()) {
			t.Errorf("IPv4 table, addresses %v %v", s.Local, s.Remote)
		}
		if s.Local.Addr().Is4In6() || s.Remote.Addr().Is4In6() {
			t.Errorf("mapped addresses are given as IPv4: %v %v", s.Local, s.Remote)
		}
		if s.Timer != 0 && s.State != TimeWait && !closing(s.State) {
			t.Errorf("a timer on a %s socket", s.State.Name(services.TCP))
		}
		if s.ZeroBacklog && s.State != Listen {
			t.Errorf("a backlog on a %s socket", s.State.Name(services.TCP))
		}
	})
}
