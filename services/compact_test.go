package services

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseRoundTrip(t *testing.T) {
	var b bytes.Buffer
	n, err := Default().WriteTo(&b)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(ianaText)) || b.String() != ianaText {
		t.Fatalf("WriteTo: got %d bytes, want the %d of iana.txt", n, len(ianaText))
	}
	r, err := Parse(&b)
	if err != nil {
		t.Fatal(err)
	}
	if r.Len() != Default().Len() || r.Updated() != Date {
		t.Errorf("got Len %d, date %q; want %d, %q", r.Len(), r.Updated(), Default().Len(), Date)
	}
}

func TestParseCRLF(t *testing.T) {
	// A checkout that turned the embedded file's newlines into CRLF.
	r, err := parse(strings.ReplaceAll(ianaText, "\n", "\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := names(r.Port(80, TCP)); len(got) != 3 || got[2] != "www-http" {
		t.Errorf("80/tcp: got %q, want http, www, www-http", got)
	}
}

func TestParse(t *testing.T) {
	r, err := Parse(strings.NewReader("whoport-services 1\n# a comment\n\n" +
		"6000-6063\ttu\ta\tx11\tX Window System\n" +
		"22\tt\tl\tssh2\tmy own ssh\n" +
		"22\tt\ta\tssh\tSSH\n" +
		"24\tus\tr\t\tany private mail system\n" +
		"585\td\tn\t\tDe-registered\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		port   uint16
		proto  Proto
		want   []Service
		status Status
		note   string
	}{
		{6001, UDP, []Service{{"x11", "X Window System", false}}, Assigned, ""},
		{22, TCP, []Service{{"ssh", "SSH", false}, {"ssh2", "my own ssh", true}}, Assigned, ""},
		{24, SCTP, nil, Reserved, "any private mail system"},
		{585, DCCP, nil, Unassigned, "De-registered"},
	}
	for _, tt := range tests {
		p := r.Port(tt.port, tt.proto)
		if !slices.Equal(p.Services, tt.want) || p.Status != tt.status || p.Note != tt.note {
			t.Errorf("%d/%s: got %+v %s %q, want %+v %s %q", tt.port, tt.proto, p.Services, p.Status, p.Note, tt.want, tt.status, tt.note)
		}
	}
	if r.Updated() != "" || r.Len() != 1 {
		t.Errorf("got date %q, Len %d; want none, 1", r.Updated(), r.Len())
	}
}

func TestParseErrors(t *testing.T) {
	const head = "whoport-services 1 2026-04-09\n"
	tests := []struct {
		name, text, want string
	}{
		{"empty", "", "line 1: want"},
		{"csv", csvHeader, "line 1: want"},
		{"other version", "whoport-services 2 2026-04-09\n", "line 1: want"},
		{"bad date", "whoport-services 1 yesterday\n", "line 1: want"},
		{"few fields", head + "22\tt\ta\tssh\n", "line 2: want 5 tab-separated fields"},
		{"bad port", head + "# c\n99999\tt\ta\tssh\tSSH\n", `line 3: invalid port number "99999"`},
		{"bad protocol", head + "22\tx\ta\tssh\tSSH\n", `invalid protocols "x"`},
		{"repeated protocol", head + "22\ttt\ta\tssh\tSSH\n", `invalid protocols "tt"`},
		{"no protocol", head + "22\t\ta\tssh\tSSH\n", "no protocols"},
		{"bad kind", head + "22\tt\tz\tssh\tSSH\n", `invalid kind "z"`},
		{"name missing", head + "22\tt\ta\t\tSSH\n", `invalid name "" for kind "a"`},
		{"name on reserved", head + "22\tt\tr\tssh\t\n", `invalid name "ssh" for kind "r"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.text))
			if err == nil || !strings.HasPrefix(err.Error(), "services: parse: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one starting \"services: parse: \" with %q", err, tt.want)
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteToError(t *testing.T) {
	_, err := Default().WriteTo(failWriter{})
	if err == nil || err.Error() != "services: write registry: disk full" {
		t.Errorf("got error %v, want services: write registry: disk full", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(ianaText[:2000])
	f.Add("whoport-services 1\n6000-6063\ttu\ta\tx11\tX\n24\tus\tr\t\tany\n")
	f.Fuzz(func(t *testing.T, text string) {
		r, err := parse(text)
		if err != nil {
			return
		}
		var a, b bytes.Buffer
		r.WriteTo(&a)
		r2, err := Parse(&a)
		if err != nil {
			t.Fatalf("Parse of WriteTo's output: %v", err)
		}
		a.Reset()
		r.WriteTo(&a)
		r2.WriteTo(&b)
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("round trip: got\n%s\nwant\n%s", b.Bytes(), a.Bytes())
		}
		for _, p := range []uint16{0, 22, 6001, 65535} {
			r.Port(p, TCP)
		}
		r.ByName("x11")
	})
}
