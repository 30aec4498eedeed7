package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/services"
)

// TestWatcherFixture: the watcher's readings of a fixture that changes
// between them: a socket that goes, one that changes state, one that
// appears with its holder found, and one whose holder does not pass the
// filter, which is never told and never walked for again.
func TestWatcherFixture(t *testing.T) {
	root := rootsView(t)
	sys := inspect.Fixture(root, asRoot)
	events := func(w *watcher, word string) []string {
		t.Helper()
		evs, _, err := w.poll(context.Background(), word)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, ev := range evs {
			s := ev.sock
			pids := []string{}
			for _, h := range s.Holders {
				pids = append(pids, fmt.Sprint(h.PID))
			}
			out = append(out, strings.Join(strings.Fields(fmt.Sprintf("%s %s %s %s %s %s", ev.Event, s.Proto, listingAddress(s, true), ev.From, s.State.Name(s.Proto), strings.Join(pids, ","))), " "))
		}
		return out
	}
	clock := fixedClock{time.Unix(1700000000, 0)}
	all := &watcher{sys: sys, clock: clock, filter: inspect.Filter{Protos: []services.Proto{services.TCP}, Families: []inspect.Family{inspect.IPv4}}, known: map[sockKey]*watched{}}
	nginx := &watcher{sys: sys, clock: clock, filter: inspect.Filter{Protos: []services.Proto{services.TCP}, Commands: []string{"nginx"}}, known: map[sockKey]*watched{}}
	got := events(all, eventPresent)
	want := []string{
		"present tcp 0.0.0.0:22 LISTEN 500",
		"present tcp 0.0.0.0:80 LISTEN 100,101",
		"present tcp 127.0.0.1:5432 LISTEN 200",
		"present tcp 127.0.0.1:5432 ⇄ 127.0.0.1:40000 ESTABLISHED 200",
		"present tcp 127.0.0.1:8080 ⇄ 127.0.0.1:40100 TIME_WAIT",
		"present tcp 0.0.0.0:9090 LISTEN",
		"present tcp 127.0.0.1:40000 ⇄ 127.0.0.1:5432 ESTABLISHED 300",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("first reading:\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
	if got := events(nginx, eventPresent); len(got) != 3 {
		t.Fatalf("nginx, first reading: got %q, want its 3 sockets", got)
	}
	if got := events(all, eventNew); len(got) != 0 {
		t.Errorf("nothing changed: got %q", got)
	}

	// The TIME_WAIT remnant goes, psql's connection closes on the server's
	// side (CLOSE_WAIT), and postgres opens a listener on 127.0.0.1:5433.
	tcp := filepath.Join(root, "net", "tcp")
	b, err := os.ReadFile(tcp)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	lines = slices.DeleteFunc(lines, func(l string) bool { return strings.Contains(l, "0100007F:1F90") })
	for i, l := range lines {
		if strings.Contains(l, "0100007F:1538 0100007F:9C40 01") {
			lines[i] = strings.Replace(l, " 01 ", " 08 ", 1)
		}
	}
	lines = append(lines[:2], append([]string{"   9: 0100007F:1539 00000000:0000 0A 00000000:00000000 00:00000000 00000000   7105        0 1020 1 0000000000000000 100 0 0 10 0"}, lines[2:]...)...)
	if err := os.WriteFile(tcp, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("socket:[1020]", filepath.Join(root, "200", "fd", "6")); err != nil {
		t.Fatal(err)
	}
	got = events(all, eventNew)
	want = []string{
		"gone tcp 127.0.0.1:8080 ⇄ 127.0.0.1:40100 TIME_WAIT",
		"state tcp 127.0.0.1:5432 ⇄ 127.0.0.1:40000 ESTABLISHED CLOSE_WAIT 200",
		"new tcp 127.0.0.1:5433 LISTEN 200",
	}
	if !slices.Equal(got, want) {
		t.Errorf("second reading:\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
	// Postgres's new listener is not nginx's: nothing to tell, and it is
	// remembered as ignored, not walked for again.
	if got := events(nginx, eventNew); len(got) != 0 {
		t.Errorf("nginx, second reading: got %q, want nothing", got)
	}
	if seen := nginx.known[sockKey{proto: "tcp", local: mustAddrPort("127.0.0.1:5433"), remote: mustAddrPort("0.0.0.0:0"), inode: 1020}]; seen == nil || !seen.ignored {
		t.Errorf("nginx: the new postgres listener is %+v, want remembered as ignored", seen)
	}
	if got := events(nginx, eventNew); len(got) != 0 {
		t.Errorf("nginx, third reading: got %q, want nothing", got)
	}
}

func mustAddrPort(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
