package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/whoport/whoport/internal/fixture"
)

// TestShapeGolden: the listing's shape for scripts and wide terminals:
// columns, order, no header, tab-separated values, the exposed listeners,
// and a terminal too narrow for the command.
func TestShapeGolden(t *testing.T) {
	basic := rootsView(t)
	who := fixture.Materialize(t, "../../testdata/proc/who.txt")
	for _, c := range []struct {
		name  string
		args  []string
		width int
		root  string
	}{
		{"shape-columns.txt", []string{"--no-header", "-o", "PORT,proto,pid,name,state", "--sort", "pid"}, 0, basic},
		{"shape-sort-proc.txt", []string{"-a", "--sort", "proc", "-o", "name,pid,address,state"}, 0, basic},
		{"shape-sort-state.txt", []string{"-a", "--sort", "state", "-o", "state,local,remote"}, 0, basic},
		{"shape-tsv.txt", []string{"--format", "tsv", "-a"}, 0, basic},
		{"shape-tsv-columns.txt", []string{"--format", "tsv", "--no-header", "-o", "port,pid,command"}, 0, basic},
		{"shape-query.txt", []string{"-o", "proto,local,remote,state,pid", "5432"}, 0, basic},
		{"shape-exposed.txt", []string{"--exposed"}, 0, basic},
		{"shape-width-120.txt", nil, 120, who},
		{"shape-width-40.txt", []string{"-o", "address,command,pid"}, 40, basic},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			a := fixtureApp(&out, &errb, asRoot)
			a.width = c.width
			if code := a.run(context.Background(), append([]string{"--proc-root", c.root}, c.args...)); code != 0 {
				t.Errorf("exit %d, want 0; stderr: %s", code, errb.String())
			}
			checkGolden(t, c.name, out.String())
			if c.width == 0 {
				return
			}
			for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
				if n := utf8.RuneCountInString(line); n > c.width {
					t.Errorf("a line of %d characters, wider than %d: %s", n, c.width, line)
				}
			}
		})
	}
}

// TestShapeWidthKeepsAddresses: cutting to the terminal's width cuts the
// command alone; every address is whole.
func TestShapeWidthKeepsAddresses(t *testing.T) {
	root := rootsView(t)
	var full, narrow, errb bytes.Buffer
	if code := fixtureApp(&full, &errb, asRoot).run(context.Background(), []string{"--proc-root", root, "-a", "--format", "tsv", "-o", "address"}); code != 0 {
		t.Fatalf("--format tsv: exit %d, want 0; stderr: %s", code, errb.String())
	}
	a := fixtureApp(&narrow, &errb, asRoot)
	a.width = 20
	if code := a.run(context.Background(), []string{"--proc-root", root, "-a"}); code != 0 {
		t.Fatalf("the listing at width 20: exit %d, want 0; stderr: %s", code, errb.String())
	}
	addrs := strings.Split(strings.TrimSpace(full.String()), "\n")[1:] // below the header
	if len(addrs) == 0 {
		t.Fatalf("no socket listed:\n%s", full.String())
	}
	for _, addr := range addrs {
		if !strings.Contains(narrow.String(), addr) {
			t.Errorf("the address %q is cut at width 20:\n%s", addr, narrow.String())
		}
	}
	if !strings.Contains(narrow.String(), "…") {
		t.Errorf("nothing was cut at width 20:\n%s", narrow.String())
	}
}

func TestFit(t *testing.T) {
	for _, c := range []struct {
		in    string
		width int
		want  string
	}{
		{"nginx: master process", 0, "nginx: master process"},
		{"nginx: master process", 21, "nginx: master process"},
		{"nginx: master process", 10, "nginx: ma…"},
		{"héllo wörld", 6, "héllo…"},
		{"a\x1b[2m (+1: 101)\x1b[0m", 6, "a\x1b[2m (+1…\x1b[0m"},
		{"a\x1b[2m (+1: 101)\x1b[0m", 13, "a\x1b[2m (+1: 101)\x1b[0m"},
	} {
		if got := fit(c.in, c.width); got != c.want {
			t.Errorf("fit(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
	}
}

// TestShapeBadInput: bad shapes are one line and exit 2.
func TestShapeBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--sort", "size"}, `unknown --sort "size": use port, pid, proc, state`},
		{[]string{"-o", "pid,bogus"}, `unknown column "bogus" for -o: use proto, family, address`},
		{[]string{"-o", "pid,PID"}, `column "pid" is given twice to -o`},
		{[]string{"-o", ""}, `-o names no column: give some of proto, family`},
		{[]string{"-o", "pid,"}, `unknown column "" for -o`},
		{[]string{"--json", "--no-header"}, "--no-header and -o shape the text and tsv listing; --format json has no columns"},
		{[]string{"--format", "prom", "-o", "pid"}, "--format prom has no columns"},
		{[]string{"-q", "--sort", "pid"}, "-q prints pids alone"},
		{[]string{"--by-process", "-o", "pid"}, "--by-process groups sockets by process"},
		{[]string{"--format", "tsv", "--by-process"}, "--by-process is a way to print text"},
		{[]string{"--format", "csv"}, `unknown --format "csv": use text, json, tsv or prom`},
		{[]string{"--exposed=maybe"}, `invalid --exposed "maybe": give true or false, or the flag alone`},
		{[]string{"--no-header=2"}, `invalid --no-header "2": give true or false, or the flag alone`},
		{[]string{"lookup", "--format", "tsv", "80"}, "whoport lookup writes text or json, not tsv"},
	} {
		r := runIn(c.args...)
		lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
		if r.code != 2 || len(lines) != 1 || !strings.Contains(lines[0], c.want) || r.stdout != "" || strings.Contains(r.stderr, "strconv") {
			t.Errorf("whoport %q: exit %d, stdout %q, stderr:\n%s\nwant exit 2 and one line with %q", c.args, r.code, r.stdout, r.stderr, c.want)
		}
	}
}

// TestTSVHasNoColour: the tab-separated form is for scripts, and has no
// colour codes even when colour is asked for: it is the same with
// --color always as without.
func TestTSVHasNoColour(t *testing.T) {
	root := rootsView(t)
	for _, args := range [][]string{
		{"--format", "tsv", "-a"},
		{"--format", "tsv", "--no-header", "-o", "port,pid,where,command"},
	} {
		var plain, coloured, errb bytes.Buffer
		if code := fixtureApp(&plain, &errb, asRoot).run(context.Background(), append([]string{"--proc-root", root}, args...)); code != 0 {
			t.Fatalf("whoport %q: exit %d, want 0; stderr: %s", args, code, errb.String())
		}
		colourArgs := append([]string{"--proc-root", root, "--color", "always"}, args...)
		if code := fixtureApp(&coloured, &errb, asRoot).run(context.Background(), colourArgs); code != 0 {
			t.Fatalf("whoport %q: exit %d, want 0; stderr: %s", colourArgs, code, errb.String())
		}
		if strings.Contains(coloured.String(), "\x1b") {
			t.Errorf("whoport %q writes an escape character:\n%q", colourArgs, coloured.String())
		}
		if !strings.Contains(plain.String(), "(+1: 101)") {
			t.Errorf("whoport %q names no other holder, which the fixture has:\n%s", args, plain.String())
		}
		if coloured.String() != plain.String() {
			t.Errorf("whoport %q differs from the same without --color always:\n%q\nwant:\n%q", colourArgs, coloured.String(), plain.String())
		}
	}
}
