package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/whoport/whoport/internal/fixture"
)

// TestListingProm: whoport --format prom writes the listeners for
// node_exporter's textfile collector, with bounded labels only.
func TestListingProm(t *testing.T) {
	who := fixture.Materialize(t, "../../testdata/proc/who.txt")
	basic := rootsView(t) // sshd's holder seen, whoever runs the test
	for _, c := range []struct {
		name string
		root string
		args []string
	}{
		{"listing-who.prom", who, nil},
		{"listing-basic.prom", basic, []string{"-t"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := fixtureApp(&out, &errb, asRoot).run(context.Background(), append([]string{"--proc-root", c.root, "--format", "prom"}, c.args...))
			if code != 0 {
				t.Fatalf("exit %d, stderr %s", code, errb.String())
			}
			checkGolden(t, c.name, out.String())
			checkPromLabels(t, out.String())
		})
	}
}

var listenerSample = regexp.MustCompile(`^whoport_listeners\{(.*)\} (\d+)$`)
var listenerLabel = regexp.MustCompile(`([a-z_]+)="((?:[^"\\]|\\.)*)"`)

// checkPromLabels checks that every sample has exactly the bounded labels,
// and no pid or command line in any value.
func checkPromLabels(t *testing.T, text string) {
	t.Helper()
	want := []string{"proto", "family", "scope", "port", "service", "process", "unit", "container"}
	samples := 0
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		m := listenerSample.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("not a sample of whoport_listeners: %q", line)
			continue
		}
		samples++
		var names []string
		for _, l := range listenerLabel.FindAllStringSubmatch(m[1], -1) {
			names = append(names, l[1])
			if l[1] == "scope" && !slices.Contains([]string{"loopback", "wildcard", "specific"}, l[2]) {
				t.Errorf("scope %q: want loopback, wildcard or specific", l[2])
			}
			if strings.Contains(l[2], " ") {
				t.Errorf("label %s=%q holds a space: a command line?", l[1], l[2])
			}
		}
		if !slices.Equal(names, want) {
			t.Errorf("labels %q, want %q: %s", names, want, line)
		}
	}
	if samples == 0 {
		t.Errorf("no sample:\n%s", text)
	}
}

// TestListingPromLive: the listing of a live child in the Prometheus form
// names its program, never its pid.
func TestListingPromLive(t *testing.T) {
	t.Parallel()
	c := holdSockets(t, "listen-on", "127.0.0.1:0")
	r := whoport(t, "--format", "prom", "tcp:127.0.0.1:"+c.said["port"])
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	checkPromLabels(t, r.stdout)
	want := `whoport_listeners{proto="tcp",family="ipv4",scope="loopback",port="` + c.said["port"] + `",service=`
	if !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, `process="whoport.test"`) {
		t.Errorf("got\n%s\nwant a sample starting %s and process=\"whoport.test\"", r.stdout, want)
	}
	if os.Geteuid() == 0 {
		r := runAs(t, nobody, "--format", "prom", "tcp:127.0.0.1:"+c.said["port"])
		if r.code != 0 || !strings.HasPrefix(r.stdout, "# incomplete: 1 listening socket's holder is hidden") || !strings.Contains(r.stdout, `process="",unit="",container=""} 1`) {
			t.Errorf("as nobody: exit %d\n%s\nwant the incomplete comment, and empty process, unit and container", r.code, r.stdout)
		}
	}
	for _, bad := range [][]string{{"--format", "prom", "-a"}, {"--format", "prom", "--state", "established"}} {
		if r := runIn(bad...); r.code != 2 || !strings.Contains(r.stderr, "--format prom writes listeners only") {
			t.Errorf("whoport %q: exit %d %q, want 2 and one line", bad, r.code, r.stderr)
		}
	}
}
