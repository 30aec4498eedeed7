package services

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// WithLocal returns a new registry: r plus the names in etcServices, a file
// in the format of /etc/services (services(5)), that r lacks for their port
// and protocol. They come after r's names and have Local set. Each line is
// "name port/protocol [aliases...] [# comment]"; the aliases count as names
// too, and the comment becomes the description. As getservent(3) does, it
// skips blank lines, comments, lines it cannot parse and protocols the
// registry does not know (FreeBSD lists ddp), so only a failed read is an
// error.
func (r *Registry) WithLocal(etcServices io.Reader) (*Registry, error) {
	data, err := io.ReadAll(etcServices)
	if err != nil {
		return nil, fmt.Errorf("services: read local services: %w", err)
	}
	return r.withLocal(data), nil
}

// withLocal is WithLocal of the file's bytes.
func (r *Registry) withLocal(data []byte) *Registry {
	// The names r lacks are merged in when every entry is needed
	// (lazy.go); until then Port parses the lines of its port alone.
	build := func() ([]entry, error) {
		r.load()
		local := parseLocal(data, -1)
		entries := make([]entry, 0, len(r.entries)+len(local))
		rest := r.entries
		for _, l := range local { // each after r's entries for its port
			if r.has(l.first, l.protos, l.name) {
				continue
			}
			i := sort.Search(len(rest), func(i int) bool { return rest[i].first > l.first })
			entries = append(append(entries, rest[:i]...), l)
			rest = rest[i:]
		}
		return append(entries, rest...), nil
	}
	return &Registry{updated: r.updated, lazy: &lazy{base: r, localText: data, build: build}}
}

// parseLocal parses data, in the format of /etc/services: the names for
// port, or with port -1 for every port, each once for its port and
// protocol, in the file's order, sorted by port. For one port it parses
// only the lines where "PORT/" appears.
func parseLocal(data []byte, port int) []entry {
	var local []entry
	type localKey struct {
		port uint16
		bit  uint8
		name string
	}
	seen := make(map[localKey]bool)
	parseLine := func(line []byte) {
		line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		line, comment, _ := bytes.Cut(line, []byte("#"))
		name, line := field(line)
		portProto, line := field(line)
		p, proto, ok := strings.Cut(string(portProto), "/")
		bit := protoBit(Proto(strings.ToLower(proto)))
		number, err := strconv.ParseUint(p, 10, 16)
		if name == nil || !ok || bit == 0 || err != nil || port >= 0 && int(number) != port {
			return
		}
		for ; name != nil; name, line = field(line) {
			key := localKey{uint16(number), bit, strings.ToLower(string(name))}
			if !seen[key] {
				seen[key] = true
				local = append(local, entry{name: string(name), desc: oneLine(string(comment)),
					first: key.port, last: key.port, protos: bit, kind: kindLocal})
			}
		}
	}
	if port < 0 {
		for line := range bytes.Lines(data) {
			parseLine(line)
		}
	} else {
		needle := []byte(strconv.Itoa(port) + "/")
		done := -1 // the start of the last line parsed
		for off := 0; ; {
			i := bytes.Index(data[off:], needle)
			if i < 0 {
				break
			}
			i += off
			start := bytes.LastIndexByte(data[:i], '\n') + 1
			end := len(data)
			if j := bytes.IndexByte(data[i:], '\n'); j >= 0 {
				end = i + j
			}
			if start > done {
				parseLine(data[start:end])
				done = start
			}
			off = i + len(needle)
		}
	}
	slices.SortStableFunc(local, func(a, b entry) int { return cmp.Compare(a.first, b.first) })
	return local
}

// field returns the first white-space separated field of b, or nil, and the rest.
func field(b []byte) (f, rest []byte) {
	b = bytes.TrimLeft(b, " \t\r")
	i := bytes.IndexAny(b, " \t\r")
	if i < 0 {
		i = len(b)
	}
	if i == 0 {
		return nil, nil
	}
	return b[:i], b[i:]
}

// has reports whether r has name for port and the protocol whose bit is given.
func (r *Registry) has(port uint16, bit uint8, name string) bool {
	for e := range r.at(port) {
		if e.named() && e.protos&bit != 0 && strings.EqualFold(e.name, name) {
			return true
		}
	}
	return false
}

var hostRegistry = sync.OnceValue(func() *Registry { return loadHost(hostServicesPath()) })

// Host returns Default merged, through WithLocal, with the host's services
// file: /etc/services, or %SystemRoot%\System32\drivers\etc\services on
// Windows. It reads the file once. If the file is missing or unreadable,
// Host returns Default: the host's names are a bonus, not a need.
func Host() *Registry { return hostRegistry() }

// loadHost returns Default merged with the services file at path, or
// Default if it cannot read the file.
func loadHost(path string) *Registry {
	data, err := readFile(path)
	if err != nil {
		return Default()
	}
	return Default().withLocal(data)
}

// readFile reads the file at path, as os.ReadFile does in one read of its
// size, but opened as os.NewFile opens: not offered to the poller, whose
// start (an epoll instance, an eventfd, a refused registration) would be
// the only one in a run of whoport lookup.
func readFile(path string) ([]byte, error) {
	f, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := 0
	if fi, err := f.Stat(); err == nil {
		size = int(fi.Size())
	}
	b := make([]byte, 0, size+1) // +1: the read that says EOF
	for {
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		switch {
		case err == io.EOF:
			return b, nil
		case err != nil:
			return nil, err
		case len(b) == cap(b):
			b = append(b, 0)[:len(b)]
		}
	}
}

func hostServicesPath() string {
	if runtime.GOOS == "windows" {
		return filepath.Join(os.Getenv("SystemRoot"), `System32\drivers\etc\services`)
	}
	return "/etc/services"
}
