package services

import (
	_ "embed"
	"sync"
)

//go:generate go run ./internal/gen -csv ../../shared/data/service-names-port-numbers.csv

// ianaText is IANA's registry in the compact form, made by go generate.
//
//go:embed iana.txt
var ianaText string

var defaultRegistry = sync.OnceValue(func() *Registry {
	r, err := parse(ianaText)
	if err != nil {
		panic("services: embedded registry: " + err.Error()) // a bad go generate; tests catch it
	}
	return r
})

// Default returns IANA's registry as embedded in the package, dated Date.
// The first call parses it, in about a millisecond; the names for ByName and
// Suggest are indexed on their first call.
func Default() *Registry { return defaultRegistry() }
