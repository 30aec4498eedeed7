package services

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

const etcServices = "../testdata/services/etc-services"

func TestLoadHost(t *testing.T) {
	r := loadHost(etcServices)
	if r == Default() {
		t.Fatalf("loadHost(%s): got Default, want it merged with the file", etcServices)
	}
	tests := []struct {
		port   uint16
		proto  Proto
		want   []Service
		status Status
	}{
		// IANA's names only: the file's are the same (www is an alias there).
		{22, TCP, []Service{{"ssh", "The Secure Shell (SSH) Protocol", false}}, Assigned},
		{80, TCP, []Service{{"http", "World Wide Web HTTP", false}, {"www", "World Wide Web HTTP", false},
			{"www-http", "World Wide Web HTTP", false}}, Assigned},
		// IANA's first, then the local name and its alias.
		{8080, TCP, []Service{{"http-alt", "HTTP Alternate (see port 80)", false},
			{"myapp", "My App's admin console", true}, {"myapp-admin", "My App's admin console", true}}, Assigned},
		// Not on the other protocol.
		{8080, UDP, []Service{{"http-alt", "HTTP Alternate (see port 80)", false}}, Assigned},
		// Local names on a port IANA has not assigned: still unassigned.
		{50000, TCP, []Service{{"devproxy", "", true}, {"devproxy-alt", "", true}}, Unassigned},
		{50000, UDP, []Service{{"devproxy", "", true}}, Unassigned},
		// Skipped lines add nothing.
		{1, TCP, []Service{{"tcpmux", "TCP Port Service Multiplexer", false}}, Assigned},
	}
	for _, tt := range tests {
		p := r.Port(tt.port, tt.proto)
		if !slices.Equal(p.Services, tt.want) || p.Status != tt.status {
			t.Errorf("%d/%s: got %+v %s, want %+v %s", tt.port, tt.proto, p.Services, p.Status, tt.want, tt.status)
		}
	}
	got := r.ByName("DevProxy")
	want := []Registration{
		{Name: "devproxy", Proto: TCP, First: 50000, Last: 50000, Local: true},
		{Name: "devproxy", Proto: UDP, First: 50000, Last: 50000, Local: true},
	}
	if !slices.Equal(got, want) {
		t.Errorf("ByName(DevProxy): got %+v, want %+v", got, want)
	}
	if got := r.Suggest("myap", 1); !slices.Equal(got, []string{"myapp"}) {
		t.Errorf("Suggest(myap): got %q, want [myapp]", got)
	}
	// Two tcp pairs and one udp pair are new.
	if got, want := r.Len(), Default().Len()+2; got != want {
		t.Errorf("Len: got %d, want %d", got, want)
	}
	// Default is untouched.
	if got := names(Default().Port(8080, TCP)); !slices.Equal(got, []string{"http-alt"}) {
		t.Errorf("Default 8080/tcp after merging: got %q, want [http-alt]", got)
	}
}

func TestLoadHostMissing(t *testing.T) {
	if r := loadHost(t.TempDir() + "/no-such-file"); r != Default() {
		t.Error("loadHost of a missing file: got a new registry, want Default")
	}
	if r := loadHost(t.TempDir()); r != Default() { // a directory: open works, read fails
		t.Error("loadHost of a directory: got a new registry, want Default")
	}
}

func TestHost(t *testing.T) {
	r := Host()
	if r != Host() {
		t.Error("Host: got two registries, want one")
	}
	if got := names(r.Port(22, TCP)); len(got) == 0 || got[0] != "ssh" {
		t.Errorf("Host 22/tcp: got %q, want ssh first", got)
	}
}

func TestWithLocal(t *testing.T) {
	tests := []struct {
		name, file string
		port       uint16
		proto      Proto
		want       []string
	}{
		{"empty", "", 22, TCP, []string{"ssh"}},
		{"comment only", "# ssh2 22/tcp", 22, TCP, []string{"ssh"}},
		{"no newline at end", "ssh2 22/tcp", 22, TCP, []string{"ssh", "ssh2"}},
		{"CRLF", "ssh2\t22/tcp\talt\r\n", 22, TCP, []string{"ssh", "ssh2", "alt"}},
		{"upper-case protocol", "ssh2 22/TCP", 22, TCP, []string{"ssh", "ssh2"}},
		{"comment right after", "ssh2 22/tcp#secure", 22, TCP, []string{"ssh", "ssh2"}},
		{"same as IANA in other case", "SSH 22/tcp", 22, TCP, []string{"ssh"}},
		{"name in a range", "x11 6001/tcp x-local", 6001, TCP, []string{"x11", "x-local"}},
		{"port 0", "zero 0/udp", 0, UDP, []string{"zero"}},
		{"bad port", "ssh2 22x/tcp", 22, TCP, []string{"ssh"}},
		{"negative port", "ssh2 -22/tcp", 22, TCP, []string{"ssh"}},
		{"no protocol", "ssh2 22", 22, TCP, []string{"ssh"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Default().WithLocal(strings.NewReader(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := names(r.Port(tt.port, tt.proto)); !slices.Equal(got, tt.want) {
				t.Errorf("%d/%s: got %q, want %q", tt.port, tt.proto, got, tt.want)
			}
		})
	}
}

func TestWithLocalReadError(t *testing.T) {
	_, err := Default().WithLocal(iotest.ErrReader(errors.New("bad disk")))
	if err == nil || err.Error() != "services: read local services: bad disk" {
		t.Errorf("got error %v, want services: read local services: bad disk", err)
	}
}

func BenchmarkLoadHost(b *testing.B) {
	Default()
	b.ReportAllocs()
	for b.Loop() {
		loadHost(etcServices)
	}
}

// FuzzWithLocal: /etc/services is the host's, in whatever state it is. Only
// a failed read is an error; the registry's own names for a port stay
// first, and every name added is local.
func FuzzWithLocal(f *testing.F) {
	f.Add("ssh2\t22/tcp\talt # secure\r\nx11 6001/tcp x-local\nzero 0/udp\n")
	f.Add("ssh 22/TCP SSH\n# c\n\n\tdomain 53/udp\nbad 99999/tcp\n-1/tcp\n")
	f.Fuzz(func(t *testing.T, etc string) {
		r, err := Default().WithLocal(strings.NewReader(etc))
		if err != nil {
			t.Fatalf("WithLocal: %v", err)
		}
		for _, proto := range []Proto{TCP, UDP} {
			for _, port := range []uint16{0, 22, 53, 6001, 65535} {
				iana, got := Default().Port(port, proto).Services, r.Port(port, proto).Services
				if len(got) < len(iana) || !slices.Equal(got[:len(iana)], iana) {
					t.Fatalf("%d/%s: got %v, want the registry's %v first", port, proto, got, iana)
				}
				for _, n := range got[len(iana):] {
					if !n.Local {
						t.Errorf("%d/%s: %+v from /etc/services is not marked local", port, proto, n)
					}
				}
			}
		}
	})
}

// TestReadFile: readFile reads files whole, whatever their size, and those
// that say they are empty (procfs); a missing file is an error.
func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 1, 511, 4096, 70000} {
		want := bytes.Repeat([]byte("x"), size)
		path := filepath.Join(dir, fmt.Sprint(size))
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := readFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("readFile of %d bytes: %d bytes, %v", size, len(got), err)
		}
	}
	if want, err := os.ReadFile("/proc/self/maps"); err == nil { // stat says 0 bytes
		got, err := readFile("/proc/self/maps")
		if err != nil || len(got) == 0 || !bytes.HasPrefix(want, got[:bytes.IndexByte(got, '\n')+1]) {
			t.Errorf("readFile(/proc/self/maps): %q, %v", got, err)
		}
	}
	if _, err := readFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("readFile of a missing file: %v, want not exist", err)
	}
}
