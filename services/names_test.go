package services

import (
	"slices"
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	reg := Default()
	got := reg.Names("http-a")
	if !slices.Equal(got, []string{"http-alt"}) {
		t.Errorf("Names(http-a) = %q, want [http-alt]", got)
	}
	got = reg.Names("POSTGRES")
	if !slices.Equal(got, []string{"postgresql"}) {
		t.Errorf("Names(POSTGRES) = %q, want [postgresql]", got)
	}
	for _, n := range reg.Names("ss") {
		if len(reg.ByName(n)) == 0 {
			t.Errorf("Names(ss) gives %q, which ByName does not know", n)
		}
	}
	if !slices.Contains(reg.Names("ss"), "ssh") {
		t.Errorf("Names(ss) lacks ssh")
	}
	if got := reg.Names("qqqqqqq"); len(got) != 0 {
		t.Errorf("Names(qqqqqqq) = %q, want none", got)
	}
	if all := reg.Names(""); len(all) < 5000 || !slices.IsSortedFunc(all, compareFold) {
		t.Errorf("Names(\"\"): %d names, sorted %v; want every name, sorted", len(all), slices.IsSortedFunc(all, compareFold))
	}
}

func compareFold(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }
