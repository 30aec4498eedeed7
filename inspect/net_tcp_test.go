package inspect

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/whoport/whoport/services"
)

func TestParseNetLine(t *testing.T) {
	for _, c := range []struct {
		line, want string
	}{
		{"0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 12345 1",
			"127.0.0.1:8080 0.0.0.0:0 LISTEN uid=1000 inode=12345 timer=0s"},
		{"1: 0100007F:1F90 0100007F:9CA4 06 00000000:00000000 03:00000D48 00000000 0 0 0 3",
			"127.0.0.1:8080 127.0.0.1:40100 TIME_WAIT uid=0 inode=0 timer=34s"},
		{"2: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 0:0 00:0 0 0 0 7 1",
			"[::1]:22 [::]:0 LISTEN uid=0 inode=7 timer=0s"},
		{"3: 0000000000000000FFFF00000100007F:0050 0000000000000000FFFF00000200007F:9D08 01 0:0 00:0 0 33 0 8 1",
			"127.0.0.1:80 127.0.0.2:40200 ESTABLISHED uid=33 inode=8 timer=0s"},
	} {
		s, err := parseNetLine(c.line, services.TCP, IPv4)
		if err != nil {
			t.Errorf("parseNetLine(%q): %v", c.line, err)
			continue
		}
		got := fmt.Sprintf("%s %s %s uid=%d inode=%d timer=%s",
			s.Local, s.Remote, s.State.Name(s.Proto), s.UID, s.Inode, s.Timer.Round(time.Second))
		if got != c.want {
			t.Errorf("parseNetLine(%q):\ngot  %s\nwant %s", c.line, got, c.want)
		}
	}
}

func TestParseNetLineErrors(t *testing.T) {
	for _, line := range []string{
		"",
		"5: this line is not a socket",
		"0: 0100007F:1F90 00000000:0000 0A 0:0 00:0 0 1000 0",                   // too short
		"0: 0100007Z:1F90 00000000:0000 0A 0:0 00:0 0 1000 0 1",                 // bad hex
		"0: 0100007F:11F90 00000000:0000 0A 0:0 00:0 0 1000 0 1",                // port too big
		"0: 01007F:1F90 00000000:0000 0A 0:0 00:0 0 1000 0 1",                   // 3-byte address
		"0: 0100007F:1F90 00000000:0000 0D 0:0 00:0 0 1000 0 1",                 // state 13
		"0: 0100007F:1F90 00000000:0000 0A 0:0 00:0 0 -1 0 1",                   // uid
		"0: 0100007F:1F90 00000000:0000 0A 0:0 00:0 0 0 0 18446744073709551616", // inode
	} {
		if _, err := parseNetLine(line, services.TCP, IPv4); err == nil {
			t.Errorf("parseNetLine(%q): got no error, want one", line)
		}
	}
}

func FuzzParseNetTable(f *testing.F) {
	f.Add("  sl  local_address\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 12345 1\n")
	f.Add("h\n 1: 0100007F:1F90 0100007F:9CA4 06 0:0 03:00000D48 0 0 0 0 3\n")
	f.Fuzz(func(t *testing.T, table string) {
		socks, bad, err := parseNetTable(strings.NewReader(table), services.TCP, IPv6, nil)
		if err != nil {
			return
		}
		lines := strings.Count(table, "\n")
		if !strings.HasSuffix(table, "\n") {
			lines++
		}
		if len(socks)+len(bad) > lines {
			t.Errorf("%d sockets and %d bad lines from %d lines", len(socks), len(bad), lines)
		}
		for _, s := range socks {
			if s.Local.Addr().Is4In6() || s.State == 0 {
				t.Errorf("bad socket %+v", s)
			}
		}
	})
}
