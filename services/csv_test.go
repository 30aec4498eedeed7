package services

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
)

// ianaCSV is IANA's CSV, kept next to the repository; tests that need it
// skip when it is not there.
const ianaCSV = "../../shared/data/service-names-port-numbers.csv"

const csvHeader = "Service Name,Port Number,Transport Protocol,Description,Assignee,Contact," +
	"Registration Date,Modification Date,Reference,Service Code,Unauthorized Use Reported,Assignment Notes\r\n"

// csvOf returns a CSV with IANA's header and records, which end in CRLF as
// IANA's do.
func csvOf(records ...string) string {
	return csvHeader + strings.Join(records, "\r\n") + "\r\n"
}

func TestParseCSV(t *testing.T) {
	tests := []struct {
		name    string
		csv     string
		port    uint16
		proto   Proto
		want    []Service
		status  Status
		note    string
		updated string
	}{
		{
			name: "plain",
			csv:  csvOf("ssh,22,tcp,The Secure Shell (SSH) Protocol,[IETF],[IETF],,2006-01,,,,"),
			port: 22, proto: TCP, want: []Service{{Name: "ssh", Description: "The Secure Shell (SSH) Protocol"}},
			updated: "2006-01",
		},
		{
			name: "embedded newline",
			csv:  csvOf("whois++,63,tcp,\"whois++\nIANA assigned this well-formed service name.\",,,2001-01-02,2026-04-09,,,,"),
			port: 63, proto: TCP, want: []Service{{Name: "whois++", Description: "whois++ IANA assigned this well-formed service name."}},
			updated: "2026-04-09",
		},
		{
			name: "doubled quotes",
			csv:  csvOf(`www,80,tcp,"The ""www"" alias, of http",,,,,,,,`),
			port: 80, proto: TCP, want: []Service{{Name: "www", Description: `The "www" alias, of http`}},
		},
		{
			name: "several names in order",
			csv: csvOf("http,80,tcp,World Wide Web HTTP,,,,,,,,", "http,80,udp,World Wide Web HTTP,,,,,,,,",
				"www,80,tcp,World Wide Web HTTP,,,,,,,,", "www,80,udp,World Wide Web HTTP,,,,,,,,"),
			port: 80, proto: UDP, want: []Service{{"http", "World Wide Web HTTP", false}, {"www", "World Wide Web HTTP", false}},
		},
		{
			// b/udp comes before a/udp, so a/udp cannot join a/tcp's entry.
			name: "order kept across protocols",
			csv:  csvOf("a,7,tcp,A,,,,,,,,", "b,7,tcp,B,,,,,,,,", "b,7,udp,B,,,,,,,,", "a,7,udp,A,,,,,,,,"),
			port: 7, proto: UDP, want: []Service{{"b", "B", false}, {"a", "A", false}},
		},
		{
			name: "repeated row",
			csv:  csvOf("a,7,tcp,A,,,,,,,,", "a,7,tcp,A,,,,,,,,"),
			port: 7, proto: TCP, want: []Service{{"a", "A", false}},
		},
		{
			name: "range",
			csv:  csvOf("x11,6000-6063,tcp,X Window System,,,,,,,,"),
			port: 6063, proto: TCP, want: []Service{{"x11", "X Window System", false}},
		},
		{
			name: "range of one port",
			csv:  csvOf("one,4748-4748,udp,One,,,,,,,,"),
			port: 4748, proto: UDP, want: []Service{{"one", "One", false}},
		},
		{
			name: "no protocol is tcp and udp",
			csv:  csvOf("boe-cms,6400,,Business Objects CMS contact port,,,2008-05-05,,,,,"),
			port: 6400, proto: UDP, want: []Service{{"boe-cms", "Business Objects CMS contact port", false}},
			updated: "2008-05-05",
		},
		{
			name: "no port is dropped",
			csv:  csvOf("ssh,,tcp,SSH Remote Login Protocol,,,,,,,,"),
			port: 22, proto: TCP, status: Unassigned,
		},
		{
			name: "reserved",
			csv:  csvOf(",27017,udp,Reserved,,,,,,,,"),
			port: 27017, proto: UDP, status: Reserved,
		},
		{
			name: "reserved with a note",
			csv:  csvOf(`,2,tcp,Reserved,,,,2025-02-13,,,,"De-assigned on 2025-02-13, previously compressnet"`),
			port: 2, proto: TCP, status: Reserved, note: "De-assigned on 2025-02-13, previously compressnet", updated: "2025-02-13",
		},
		{
			name: "de-registered",
			csv:  csvOf(",585,,De-registered,,,,,,,,Use 993 instead"),
			port: 585, proto: TCP, status: Unassigned, note: "De-registered; Use 993 instead",
		},
		{
			name: "unassigned",
			csv:  csvOf(",4,tcp,Unassigned,,,,,,,,"),
			port: 4, proto: TCP, status: Unassigned,
		},
		{
			name: "no records",
			csv:  csvOf()[:len(csvHeader)],
			port: 22, proto: TCP, status: Unassigned,
		},
		{
			name: "byte order mark",
			csv:  "\ufeff" + csvOf("ssh,22,tcp,SSH,,,,,,,,"),
			port: 22, proto: TCP, want: []Service{{"ssh", "SSH", false}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseCSV(strings.NewReader(tt.csv))
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			p := r.Port(tt.port, tt.proto)
			if !slices.Equal(p.Services, tt.want) {
				t.Errorf("%d/%s: got %+v, want %+v", tt.port, tt.proto, p.Services, tt.want)
			}
			if p.Status != tt.status || p.Note != tt.note {
				t.Errorf("%d/%s: got %s, note %q; want %s, note %q", tt.port, tt.proto, p.Status, p.Note, tt.status, tt.note)
			}
			if got := r.Updated(); got != tt.updated {
				t.Errorf("Updated: got %q, want %q", got, tt.updated)
			}
		})
	}
}

func TestParseCSVErrors(t *testing.T) {
	tests := []struct {
		name, csv, want string
	}{
		{"empty", "", "services: parse csv: no header"},
		{"wrong header", "Name,Port,Protocol\r\nssh,22,tcp\r\n", `services: parse csv: header has no "Service Name" column`},
		{"missing column", strings.Replace(csvHeader, "Port Number", "Port", 1), `header has no "Port Number" column`},
		{"short record", csvOf("ssh,22,tcp"), "record on line 2: wrong number of fields"},
		{"bare quote", csvOf(`ssh,22,tcp,The "Secure" Shell,,,,,,,,`), `line 2, column 16: bare " in non-quoted-field`},
		{"unterminated quote", csvOf(`ssh,22,tcp,"SSH,,,,,,,,`), `extraneous or missing " in quoted-field`},
		{"bad port", csvOf("ssh,twenty-two,tcp,SSH,,,,,,,,"), `line 2: invalid port number "twenty-two"`},
		{"port too big", csvOf("ssh,65536,tcp,SSH,,,,,,,,"), `invalid port number "65536"`},
		{"backward range", csvOf("x11,6063-6000,tcp,X,,,,,,,,"), `invalid port number "6063-6000"`},
		{"bad protocol", csvOf("ssh,22,icmp,SSH,,,,,,,,"), `unknown transport protocol "icmp"`},
		{"space in name", csvOf("secure shell,22,tcp,SSH,,,,,,,,"), `invalid service name "secure shell"`},
		{"bad date", csvOf("ssh,22,tcp,SSH,,,20060101,,,,,"), `invalid date "20060101"`},
		{"error on a later line", csvOf("ssh,22,tcp,\"SSH\nprotocol\",,,,,,,,", "telnet,x,tcp,Telnet,,,,,,,,"), `line 4: invalid port number "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseCSV(strings.NewReader(tt.csv))
			if err == nil {
				t.Fatalf("got registry of %d, no error; want error %q", r.Len(), tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "services: parse csv: ") {
				t.Errorf("got error %q, want it to start \"services: parse csv: \" and contain %q", err, tt.want)
			}
		})
	}
}

// TestGenerated checks that the embedded registry is what go generate makes
// of IANA's CSV, and that making it twice gives the same bytes.
func TestGenerated(t *testing.T) {
	data, err := os.ReadFile(ianaCSV)
	if err != nil {
		t.Skipf("IANA's CSV is not here to compare with: %v", err)
	}
	var out [2]bytes.Buffer
	for i := range out {
		r, err := ParseCSV(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.WriteTo(&out[i]); err != nil {
			t.Fatal(err)
		}
		if got := r.Updated(); got != Date {
			t.Errorf("Updated: got %q, want Date %q; run go generate", got, Date)
		}
	}
	if !bytes.Equal(out[0].Bytes(), out[1].Bytes()) {
		t.Error("two runs gave different bytes, want the same")
	}
	if got := out[0].String(); got != ianaText {
		t.Errorf("iana.txt: got %d bytes from %s, want the %d embedded; run go generate", len(got), ianaCSV, len(ianaText))
	}
}

// TestParseCSVCounts checks ParseCSV against the counts in the data's README.
func TestParseCSVCounts(t *testing.T) {
	f, err := os.Open(ianaCSV)
	if err != nil {
		t.Skipf("IANA's CSV is not here to count: %v", err)
	}
	defer f.Close()
	r, err := ParseCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	// 11,481 pairs, and the boe-* rows with no protocol: 11 ports for tcp and udp.
	if got, want := r.Len(), 11481+22; got != want {
		t.Errorf("Len: got %d, want %d", got, want)
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add(csvOf("ssh,22,tcp,The Secure Shell (SSH) Protocol,,,,2006-01,,,,"))
	f.Add(csvOf(`www,80,tcp,"The ""www""` + "\n" + `alias",,,,,,,,`))
	f.Add(csvOf("x11,6000-6063,,X,,,,,,,,", ",0,tcp,Reserved,,,,,,,,", ",585,,De-registered,,,,,,,,Use 993"))
	f.Add(csvOf("a,7,tcp,A,,,,,,,,", "b,7,tcp,B,,,,,,,,", "b,7,udp,B,,,,,,,,", "a,7,udp,A,,,,,,,,"))
	f.Add(csvOf(`ssh,22,tcp,"SSH,,,,,,,,`))
	f.Fuzz(func(t *testing.T, csv string) {
		r, err := ParseCSV(strings.NewReader(csv))
		if err != nil {
			return
		}
		// Whatever parses must survive the compact form unchanged.
		var a, b bytes.Buffer
		if _, err := r.WriteTo(&a); err != nil {
			t.Fatal(err)
		}
		r2, err := Parse(bytes.NewReader(a.Bytes()))
		if err != nil {
			t.Fatalf("Parse of WriteTo's output: %v\n%s", err, a.Bytes())
		}
		if _, err := r2.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("round trip: got\n%s\nwant\n%s", b.Bytes(), a.Bytes())
		}
		if r2.Len() != r.Len() {
			t.Fatalf("round trip: got Len %d, want %d", r2.Len(), r.Len())
		}
		r.Port(0, TCP)
		r.Suggest(csv, 3)
	})
}
