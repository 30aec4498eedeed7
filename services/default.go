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
	body := text
	for strings.HasPrefix(body, "#") { // the comments lead; lazy's search wants entry lines only
		_, body, _ = strings.Cut(body, "\n")
	}
	return &Registry{updated: date, lazy: &lazy{text: body, build: func() ([]entry, error) { return parseEntries(text) }}}
}

// Default returns IANA's registry as embedded in the package, dated Date.
// Looking up a few ports reads only their lines of the embedded text; the
// first call that needs more (ByName, Suggest, many ports) parses it all, in
// about a millisecond, and the names for ByName and Suggest are indexed on
// their first call.
func Default() *Registry { return defaultRegistry() }
