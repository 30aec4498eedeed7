package services

import (
	"fmt"
	"slices"
	"testing"
)

// names returns the names of p's services.
func names(p Port) []string {
	var s []string
	for _, svc := range p.Services {
		s = append(s, svc.Name)
	}
	return s
}

func TestPort(t *testing.T) {
	tests := []struct {
		port   uint16
		proto  Proto
		names  []string
		class  Class
		status Status
		note   string
	}{
		{22, TCP, []string{"ssh"}, System, Assigned, ""},
		{80, TCP, []string{"http", "www", "www-http"}, System, Assigned, ""},
		{80, SCTP, []string{"http"}, System, Assigned, ""},
		{443, TCP, []string{"https"}, System, Assigned, ""},
		{8080, TCP, []string{"http-alt"}, User, Assigned, ""},
		{5432, TCP, []string{"postgresql"}, User, Assigned, ""},
		{6379, TCP, []string{"redis"}, User, Assigned, ""},
		{6379, UDP, nil, User, Reserved, ""},
		{53, UDP, []string{"domain"}, System, Assigned, ""},
		{20, TCP, []string{"ftp-data"}, System, Assigned, ""},
		{21, TCP, []string{"ftp"}, System, Assigned, ""},
		{27017, TCP, []string{"mongodb"}, User, Assigned, ""},
		{27017, UDP, nil, User, Reserved, ""}, // the CSV says "Reserved"
		{6000, TCP, []string{"x11"}, User, Assigned, ""},
		{6005, UDP, []string{"x11"}, User, Assigned, ""},
		{6063, TCP, []string{"x11"}, User, Assigned, ""},
		{6064, TCP, []string{"ndl-ahp-svc"}, User, Assigned, ""},
		{6400, UDP, []string{"boe-cms"}, User, Assigned, ""},  // no protocol in the CSV
		{27005, TCP, []string{"flex-lm"}, User, Assigned, ""}, // a range with no protocol
		{2222, TCP, []string{"EtherNet-IP-1", "EtherNet/IP-1"}, User, Assigned, ""},
		{9, DCCP, []string{"discard"}, System, Assigned, ""},
		{0, TCP, nil, System, Reserved, PortZero},
		{0, SCTP, nil, System, Reserved, PortZero},
		{2, TCP, nil, System, Reserved, "De-assigned on 2025-02-13, previously compressnet by [Bernie_Volz]"},
		{24, UDP, nil, System, Reserved, "any private mail system"},
		{585, TCP, nil, System, Unassigned, "De-registered; Use of 585 is not recommended, use 993 instead"},
		{4, TCP, nil, System, Unassigned, ""},
		{1023, TCP, nil, System, Reserved, ""},
		{1024, UDP, nil, User, Reserved, ""},
		{49151, TCP, nil, User, Reserved, ""},
		{49152, TCP, nil, Dynamic, Unassigned, ""},
		{50000, TCP, nil, Dynamic, Unassigned, ""},
		{65535, UDP, nil, Dynamic, Unassigned, ""},
		{22, "TCP", nil, System, Unassigned, ""}, // protocols are lower case
		{22, "icmp", nil, System, Unassigned, ""},
	}
	r := Default()
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d/%s", tt.port, tt.proto), func(t *testing.T) {
			p := r.Port(tt.port, tt.proto)
			if got := names(p); !slices.Equal(got, tt.names) {
				t.Errorf("names: got %q, want %q", got, tt.names)
			}
			if p.Number != tt.port || p.Proto != tt.proto || p.Class != tt.class || p.Status != tt.status || p.Note != tt.note {
				t.Errorf("got %d/%s %s %s note %q, want %d/%s %s %s note %q",
					p.Number, p.Proto, p.Class, p.Status, p.Note, tt.port, tt.proto, tt.class, tt.status, tt.note)
			}
			for _, s := range p.Services {
				if s.Local || s.Description == "" {
					t.Errorf("service %q: got Local %v, description %q; want IANA's, with a description", s.Name, s.Local, s.Description)
				}
			}
		})
	}
}

func TestPortDescription(t *testing.T) {
	p := Default().Port(80, TCP)
	if got, want := p.Services[0].Description, "World Wide Web HTTP"; got != want {
		t.Errorf("80/tcp description: got %q, want %q", got, want)
	}
	// A description spread over lines in the CSV is one line here.
	p = Default().Port(2222, UDP)
	want := `EtherNet/IP I/O IANA assigned this well-formed service name as a replacement for "EtherNet/IP-1".`
	if got := p.Services[0].Description; got != want {
		t.Errorf("2222/udp description: got %q, want %q", got, want)
	}
}

func TestLen(t *testing.T) {
	// The CSV has 11,481 named single-port pairs; the 11 boe-* ports,
	// which name no protocol, add 22.
	const want = 11481 + 22
	if got := Default().Len(); got != want {
		t.Errorf("Len: got %d, want %d", got, want)
	}
}

func TestByName(t *testing.T) {
	type reg struct {
		proto       Proto
		first, last uint16
	}
	tests := []struct {
		name string
		want []reg
	}{
		{"ssh", []reg{{TCP, 22, 22}, {UDP, 22, 22}, {SCTP, 22, 22}}},
		{"HTTP", []reg{{TCP, 80, 80}, {UDP, 80, 80}, {SCTP, 80, 80}}},
		{"http-alt", []reg{{TCP, 591, 591}, {UDP, 591, 591}, {TCP, 8008, 8008}, {UDP, 8008, 8008}, {TCP, 8080, 8080}, {UDP, 8080, 8080}}},
		{"x11", []reg{{TCP, 6000, 6063}, {UDP, 6000, 6063}}},
		{"ircu", []reg{{TCP, 6665, 6669}}},
		{"subntbcst_tftp", []reg{{TCP, 247, 247}, {UDP, 247, 247}}}, // a historic alias
		{"subntbcst-tftp", []reg{{TCP, 247, 247}, {UDP, 247, 247}}},
		{"mos-AUX", []reg{{TCP, 10542, 10542}, {UDP, 10542, 10542}}}, // registered as MOS-aux
		{"discard", []reg{{TCP, 9, 9}, {UDP, 9, 9}, {SCTP, 9, 9}, {DCCP, 9, 9}}},
		{"exp1", []reg{{TCP, 1021, 1021}, {UDP, 1021, 1021}, {SCTP, 1021, 1021}, {DCCP, 1021, 1021}}},
		{"boe-cms", []reg{{TCP, 6400, 6400}, {UDP, 6400, 6400}}},
		{"no-such-service", nil},
		{"", nil},
	}
	r := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []reg
			for _, g := range r.ByName(tt.name) {
				got = append(got, reg{g.Proto, g.First, g.Last})
				if g.Local || g.Name == "" {
					t.Errorf("got %+v, want an IANA registration", g)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if got := r.ByName("mos-aux"); len(got) == 0 || got[0].Name != "MOS-aux" {
		t.Errorf("ByName(mos-aux): got %+v, want the name as registered, MOS-aux", got)
	}
}

func TestByNameDropsNamesWithoutPorts(t *testing.T) {
	// "rdp" is only a DNS-SD service name in the registry.
	if got := Default().ByName("rdp"); got != nil {
		t.Errorf("ByName(rdp): got %+v, want nil", got)
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		name string
		n    int
		want []string // a prefix of the answer
	}{
		{"postgress", 3, []string{"postgresql"}},
		{"postgres", 3, []string{"postgresql"}},
		{"redsi", 3, []string{"redis"}},
		{"htp", 3, []string{"http"}},
		{"HTTPS", 1, []string{"https"}},
		{"mongod", 1, []string{"mongodb"}},
		{"zqxjvkwy", 3, nil},
		{"qqqqqqqqqqqqqqqqqqqqqqqq", 3, nil},
		{"ssh", 0, nil},
	}
	r := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Suggest(tt.name, tt.n)
			if len(got) > tt.n || len(got) < len(tt.want) || !slices.Equal(got[:len(tt.want)], tt.want) {
				t.Errorf("Suggest(%q, %d): got %q, want %d names starting %q", tt.name, tt.n, got, tt.n, tt.want)
			}
			if tt.want == nil && len(got) != 0 {
				t.Errorf("Suggest(%q, %d): got %q, want nothing", tt.name, tt.n, got)
			}
		})
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"ssh", "ssh", 0},
		{"postgress", "postgresql", 2},
		{"redsi", "redis", 1}, // a swap
		{"kitten", "sitting", 3},
	}
	for _, tt := range tests {
		if got, _ := distance(tt.a, tt.b, nil); got != tt.want {
			t.Errorf("distance(%q, %q): got %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got, _ := distance(tt.b, tt.a, nil); got != tt.want {
			t.Errorf("distance(%q, %q): got %d, want %d", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestZeroRegistry(t *testing.T) {
	var r Registry
	if p := r.Port(22, TCP); p.Status != Unassigned || p.Services != nil {
		t.Errorf("empty registry: got %+v, want 22/tcp unassigned", p)
	}
	if got := r.ByName("ssh"); got != nil {
		t.Errorf("empty registry: got %+v, want nil", got)
	}
	if got := r.Suggest("ssh", 3); len(got) != 0 {
		t.Errorf("empty registry: got %q, want nothing", got)
	}
}

func TestDefaultOnce(t *testing.T) {
	if first, second := Default(), Default(); first != second {
		t.Error("Default: got two registries, want one")
	}
	if got := Default().Updated(); got != Date {
		t.Errorf("Default().Updated(): got %q, want Date %q", got, Date)
	}
}

func BenchmarkDefault(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parse(ianaText); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPort(b *testing.B) {
	r := Default()
	b.ReportAllocs()
	for b.Loop() {
		r.Port(8080, TCP)
	}
}

func BenchmarkByName(b *testing.B) {
	r := Default()
	r.ByName("") // build the index
	b.ReportAllocs()
	for b.Loop() {
		r.ByName("http-alt")
	}
}

func BenchmarkByNameFirst(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		r, _ := parse(ianaText)
		r.ByName("http-alt")
	}
}

func BenchmarkSuggest(b *testing.B) {
	r := Default()
	b.ReportAllocs()
	for b.Loop() {
		r.Suggest("postgress", 3)
	}
}
