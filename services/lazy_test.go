package services

import (
	"os"
	"reflect"
	"testing"
)

// TestLazyPort checks that a registry made lazily answers Port for every
// port and protocol as it does once every entry is built: Default from the
// embedded text, and Default with a host's services file.
func TestLazyPort(t *testing.T) {
	withLocal := func() *Registry {
		f, err := os.Open(etcServices)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r, err := newDefault().WithLocal(f)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for name, make := range map[string]func() *Registry{"default": newDefault, "with local": withLocal} {
		lazy, eager := make(), make()
		eager.load()
		if lazy.lazy.done.Load() {
			t.Fatalf("%s: built before any lookup", name)
		}
		for port := range 65536 {
			for _, proto := range protos {
				lazy.lazy.lookups.Store(0) // stay lazy
				if lazy.lazy.base != nil {
					lazy.lazy.base.lazy.lookups.Store(0)
				}
				got, want := lazy.Port(uint16(port), proto), eager.Port(uint16(port), proto)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: Port(%d, %s): lazily %+v, built %+v", name, port, proto, got, want)
				}
			}
		}
		if lazy.lazy.done.Load() {
			t.Errorf("%s: built by Port", name)
		}
		if lazy.Len() != eager.Len() || !reflect.DeepEqual(lazy.ByName("http-alt"), eager.ByName("http-alt")) {
			t.Errorf("%s: built later, it differs", name)
		}
	}
}

// TestLazyBuilds checks that many lookups build the entries once.
func TestLazyBuilds(t *testing.T) {
	r := newDefault()
	for port := range uint16(lazyLookups + 1) {
		r.Port(port, TCP)
	}
	if !r.lazy.done.Load() {
		t.Errorf("after %d lookups, not built", lazyLookups+1)
	}
}
