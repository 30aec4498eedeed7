package main

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/services"
)

// alive reports whether pid still runs (a zombie does not count).
func alive(pid int32) bool {
	st, err := readState(pid)
	return err == nil && st != "Z" && st != "X"
}

func readState(pid int32) (string, error) {
	b, err := readFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", err
	}
	i := bytes.LastIndexByte(b, ')')
	return strings.Fields(string(b[i+1:]))[0], nil
}

// eventually waits a little for cond.
func eventually(cond func() bool) bool {
	for range 50 {
		if cond() {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cond()
}

// The tests that check that kill frees the port run in network namespaces
// of their own (ownNetNS): on a busy host, another process's outgoing
// connection may take a port the moment it is freed, and kill then rightly
// says it is still held.

func TestKillListener(t *testing.T) {
	t.Parallel()
	ownNetNS(t)
	l := holdSockets(t, "listen-on", "127.0.0.1:0")
	client := holdSockets(t, "connect", "127.0.0.1:"+l.said["port"])
	port := "127.0.0.1:" + l.said["port"] + "/tcp"

	r := whoport(t, "kill", "--dry-run", port)
	if r.code != 1 || !strings.Contains(r.stdout, "would send SIGTERM") || !strings.Contains(r.stdout, fmt.Sprintf("pid %d", l.pid)) || strings.Contains(r.stdout, fmt.Sprintf("pid %d", client.pid)) {
		t.Errorf("dry run: exit %d\n%s\nwant exit 1, the listener and not the client", r.code, r.stdout)
	}
	r = whoport(t, "kill", port) // stdin is not a terminal
	if r.code != 2 || !strings.Contains(r.stderr, "--yes") || !alive(l.pid) {
		t.Errorf("without a terminal or --yes: exit %d, stderr %q; want exit 2, the listener alive", r.code, r.stderr)
	}
	r = whoport(t, "kill", "--yes", port)
	if r.code != 0 || !strings.Contains(r.stdout, "is free now") {
		t.Errorf("exit %d\n%s%s\nwant exit 0, free", r.code, r.stdout, r.stderr)
	}
	if !eventually(func() bool { return !alive(l.pid) }) {
		t.Errorf("the listener %d is still alive", l.pid)
	}
	if !alive(client.pid) {
		t.Errorf("the client %d was signalled without --all", client.pid)
	}
}

func TestKillAllClients(t *testing.T) {
	t.Parallel()
	ownNetNS(t)
	l := holdSockets(t, "listen-on", "127.0.0.1:0")
	port := l.said["port"]
	client := holdSockets(t, "connect", "127.0.0.1:"+port)
	r := whoport(t, "kill", "--yes", "--all", "127.0.0.1:"+port+"/tcp")
	if r.code != 0 {
		t.Errorf("exit %d\n%s", r.code, r.stdout)
	}
	if !eventually(func() bool { return !alive(l.pid) && !alive(client.pid) }) {
		t.Errorf("with --all both should be gone: listener alive %v, client alive %v", alive(l.pid), alive(client.pid))
	}
}

func TestKillIgnoresTerm(t *testing.T) {
	t.Parallel()
	ownNetNS(t)
	l := holdSocketsEnv(t, "listen-on", "127.0.0.1:0", []string{"WHOPORT_TEST_IGNORE_TERM=1"})
	port := "127.0.0.1:" + l.said["port"] + "/tcp"
	r := whoport(t, "kill", "--yes", "--timeout", "300ms", port)
	if r.code != 1 || !strings.Contains(r.stdout, "still held") || !strings.Contains(r.stdout, fmt.Sprintf("pid %d", l.pid)) || !strings.Contains(r.stderr, "--force") {
		t.Errorf("exit %d\n%s%s\nwant exit 1, the child named as still holding, a hint at --force", r.code, r.stdout, r.stderr)
	}
	r = whoport(t, "kill", "--yes", "--force", "--timeout", "300ms", port)
	if r.code != 0 || !strings.Contains(r.stdout, "sending SIGKILL") {
		t.Errorf("--force: exit %d\n%s", r.code, r.stdout)
	}
	if !eventually(func() bool { return !alive(l.pid) }) {
		t.Errorf("pid %d survived SIGKILL", l.pid)
	}
}

// TestKillForkedPair: the parent dies; its child, which inherited the
// listener and ignores SIGTERM, is named as still holding the port.
func TestKillForkedPair(t *testing.T) {
	t.Parallel()
	sh := holdSockets(t, "share", "stubborn")
	sibling, _ := strconv.Atoi(sh.said["sibling"])
	t.Cleanup(func() { syscall.Kill(sibling, syscall.SIGKILL) })
	port := sh.said["tcp4"]
	r := whoport(t, "kill", "--yes", "--timeout", "300ms", "127.0.0.1:"+port+"/tcp")
	if r.code != 1 {
		t.Errorf("exit %d, want 1 (still held)\n%s", r.code, r.stdout)
	}
	if !eventually(func() bool { return !alive(sh.pid) }) {
		t.Errorf("the parent %d is still alive", sh.pid)
	}
	want := fmt.Sprintf("pid %d (whoport.test) holds 127.0.0.1:%s: a child of pid %d", sibling, port, sh.pid)
	if !strings.Contains(r.stdout, want) {
		t.Errorf("output:\n%s\nwant %q", r.stdout, want)
	}
}

// TestKillPIDReuse: a target whose start time no longer matches its pid
// is not signalled.
func TestKillPIDReuse(t *testing.T) {
	t.Parallel()
	l := holdSockets(t, "listen-on", "127.0.0.1:0")
	port, _ := strconv.Atoi(l.said["port"])
	sys := liveSystem(t)
	snap, err := sys.Collect(context.Background(), inspect.Filter{Ports: []inspect.PortRange{{First: uint16(port), Last: uint16(port)}}, Listening: true,
		Keep: func(s *inspect.Socket) bool {
			return s.Proto == services.TCP && s.Local.Addr() == netip.AddrFrom4([4]byte{127, 0, 0, 1})
		}})
	if err != nil || len(snap.Sockets) != 1 || len(snap.Sockets[0].Holders) != 1 {
		t.Fatalf("got %v, %v; want the child's listener", snap, err)
	}
	p := *snap.Sockets[0].Holders[0]
	p.StartTicks++ // as if the pid had been reused by a process started later
	got := signalAll(sys, []inspect.Target{{Process: &p}}, syscall.SIGTERM)
	if len(got) != 1 || got[0].Result != "other-process" {
		t.Errorf("got %+v, want one result: other-process", got)
	}
	time.Sleep(100 * time.Millisecond)
	if !alive(l.pid) {
		t.Errorf("pid %d was signalled", l.pid)
	}
}

// TestKillNothing: kill on a free port does nothing. It runs in a network
// namespace of its own, where a freed port stays free: on the host another
// process could take it, and be signalled.
func TestKillNothing(t *testing.T) {
	t.Parallel()
	ownNetNS(t)
	c := holdSockets(t, "listen-on", "127.0.0.1:0")
	c.stop()
	r := whoport(t, "kill", "--yes", "127.0.0.1:"+c.said["port"]+"/tcp")
	if r.code != 0 || !strings.Contains(r.stdout, "nothing to do") {
		t.Errorf("exit %d\n%s\nwant exit 0, nothing to do", r.code, r.stdout)
	}
	for _, bad := range [][]string{{"kill", "--signal", "BOGUS", "80"}, {"kill"}, {"kill", "0"}} {
		if r := runIn(bad...); r.code != 2 || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("whoport %v: exit %d stderr %q; want exit 2, one line", bad, r.code, r.stderr)
		}
	}
}
