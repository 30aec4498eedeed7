package services

import (
	_ "embed"
	"strings"
	"sync"
)

//go:generate go run ./internal/gen -csv ../../shared/data/service-names-port-numbers.csv

// ianaText is IANA's registry in the compact form, made by go generate.
//
//go:embed iana.txt
var ianaText string

var defaultRegistry = sync.OnceValue(newDefault)

// newDefault makes the registry Default returns.
func newDefault() *Registry {
	date, text, err := parseHeader(ianaText)
	if err != nil {
		panic("services: embedded registry: " + err.Error()) // a bad go generate; tests catch it
	}
	l := &lazy{text: text, build: func() ([]entry, error) { return parseEntries(text) }}
	for strings.HasPrefix(l.text, "#") { // the comments lead; lazy's search wants entry lines only
		var line string
		line, l.text, _ = strings.Cut(l.text, "\n")
		if r, ok := strings.CutPrefix(line, rangePrefix); ok {
			e, err := parseEntry(r)
			if err != nil {
				panic("services: embedded registry: " + err.Error())
			}
			l.ranges = append(l.ranges, e)
		}
	}
	return &Registry{updated: date, lazy: l}
}

// Default returns IANA's registry as embedded in the package, dated Date.
// Looking up a few ports reads only their lines of the embedded text; the
// first call that needs more (ByName, Suggest, many ports) parses it all, in
// about a millisecond, and the names for ByName and Suggest are indexed on
// their first call.
func Default() *Registry { return defaultRegistry() }
