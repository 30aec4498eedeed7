package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// toggleMain is the child of mode "toggle": it holds a TCP listener on
// 127.0.0.1, and on each "open" line of its stdin opens another, and on
// "close" closes it, saying "port N" and "closed" when done. It exits when
// its stdin closes.
func toggleMain() int {
	first, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		fmt.Printf("error %v\n", err)
		return 3
	}
	defer first.Close()
	fmt.Printf("first %d\npid %d\nready\n", first.Addr().(*net.TCPAddr).Port, os.Getpid())
	var l net.Listener
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		switch sc.Text() {
		case "open":
			if l, err = net.Listen("tcp4", "127.0.0.1:0"); err != nil {
				fmt.Printf("error %v\n", err)
				return 3
			}
			fmt.Printf("port %d\n", l.Addr().(*net.TCPAddr).Port)
		case "close":
			l.Close()
			fmt.Println("closed")
		}
	}
	return 0
}

// do tells a toggle child to open or close its second listener, and
// gives what it answered, and when.
func (c *child) do(t *testing.T, what string) (string, time.Time) {
	t.Helper()
	fmt.Fprintln(c.stdin, what)
	if !c.out.Scan() {
		t.Fatalf("toggle child: no answer to %s", what)
	}
	return c.out.Text(), time.Now()
}

// line is a line watch wrote, and when it was read.
type line struct {
	text string
	at   time.Time
}

// TestWatchJSON: watch --json, run on a child's pid, says first that the
// child's listener is there, then that a second one appeared, then that it
// went, each within a second of the change, one JSON object per line,
// naming the child as the holder.
func TestWatchJSON(t *testing.T) {
	c := holdSockets(t, "toggle", "")
	cmd := whoportCmd("watch", "--json", "-p", fmt.Sprint(c.pid), "--timeout", "60s")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	lines := make(chan line, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- line{sc.Text(), time.Now()}
		}
		close(lines)
	}()
	next := func(what string) (watchEventJSON, time.Time) {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("watch ended before %s", what)
			}
			var ev watchEventJSON
			if err := json.Unmarshal([]byte(l.text), &ev); err != nil {
				t.Fatalf("not a JSON object on a line: %q: %v", l.text, err)
			}
			return ev, l.at
		case <-time.After(10 * time.Second):
			t.Fatalf("no line from watch for %s", what)
		}
		return watchEventJSON{}, time.Time{}
	}
	ev, _ := next("the first listener")
	if ev.Event != "present" || fmt.Sprint(ev.Socket.Local.Port) != c.said["first"] || ev.Socket.State != "LISTEN" || !heldBy(ev, c.pid) {
		t.Fatalf("first line: got %+v, want the child's first listener, present, held by %d", ev, c.pid)
	}
	answer, opened := c.do(t, "open")
	port, _ := strings.CutPrefix(answer, "port ")
	ev, seen := next("the new listener")
	if ev.Event != "new" || fmt.Sprint(ev.Socket.Local.Port) != port || !heldBy(ev, c.pid) {
		t.Errorf("after open: got %+v, want port %s new, held by %d", ev, port, c.pid)
	}
	if d := seen.Sub(opened); d > time.Second {
		t.Errorf("the new listener was told %v after it opened, want within 1s", d)
	}
	if when, err := time.Parse(time.RFC3339Nano, ev.Time); err != nil || when.Before(opened.Add(-time.Second)) {
		t.Errorf("time %q: want an RFC 3339 time near %v", ev.Time, opened)
	}
	_, closed := c.do(t, "close")
	ev, seen = next("the closed listener")
	if ev.Event != "gone" || fmt.Sprint(ev.Socket.Local.Port) != port || !heldBy(ev, c.pid) {
		t.Errorf("after close: got %+v, want port %s gone, held by %d", ev, port, c.pid)
	}
	if d := seen.Sub(closed); d > time.Second {
		t.Errorf("the closed listener was told %v after it closed, want within 1s", d)
	}
}

// watchEventJSON is a line of watch --json.
type watchEventJSON struct {
	Time   string     `json:"time"`
	Event  string     `json:"event"`
	From   string     `json:"from"`
	Socket jsonSocket `json:"socket"`
}

func heldBy(ev watchEventJSON, pid int32) bool {
	return len(ev.Socket.Holders) == 1 && ev.Socket.Holders[0].PID == pid
}

// TestWatchText: watch in this process, for people, stops after --count
// changes: the child's second listener, new then gone, after the first,
// present.
func TestWatchText(t *testing.T) {
	c := holdSockets(t, "toggle", "")
	var (
		mu   sync.Mutex
		done = make(chan result, 1)
		out  = &lockedBuffer{mu: &mu}
	)
	go func() {
		var errb strings.Builder
		a := newApp(out, &errb)
		code := a.run(context.Background(), []string{"watch", "-p", fmt.Sprint(c.pid), "--count", "2", "--timeout", "30s", "--interval", "100ms"})
		done <- result{"", errb.String(), code}
	}()
	waitFor(t, out, "present")
	answer, _ := c.do(t, "open")
	port, _ := strings.CutPrefix(answer, "port ")
	waitFor(t, out, "127.0.0.1:"+port)
	c.do(t, "close")
	var r result
	select {
	case r = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("watch --count 2 did not stop after two changes")
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	pid := strconv.Itoa(int(c.pid))
	want := []string{"present tcp 127.0.0.1:" + c.said["first"] + " LISTEN pid " + pid, "new tcp 127.0.0.1:" + port + " LISTEN pid " + pid, "gone tcp 127.0.0.1:" + port + " LISTEN pid " + pid}
	if r.code != 0 || len(got) != len(want) {
		t.Fatalf("exit %d, stderr %q, lines:\n%s\nwant exit 0 and %d lines", r.code, r.stderr, out.String(), len(want))
	}
	for i, l := range got {
		if f := strings.Fields(l); len(f) < 7 || strings.Join(f[1:7], " ") != want[i] {
			t.Errorf("line %d: %q, want %q after the time", i+1, l, want[i])
		}
	}
}

// TestWatchTimeout: nothing changes: exit 1 after --timeout.
func TestWatchTimeout(t *testing.T) {
	c := holdSockets(t, "toggle", "")
	r := runIn("watch", "-p", fmt.Sprint(c.pid), "--timeout", "300ms", "tcp:"+c.said["first"])
	if r.code != 1 || !strings.Contains(r.stdout, "present") || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("exit %d, stdout %q; want exit 1 and the present listener alone", r.code, r.stdout)
	}
}

// TestWatchBadInput: bad input to watch's flags is one line, exit 2, and
// no Go package's words.
func TestWatchBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"watch", "--interval", "abc"}, `invalid --interval "abc": give a duration such as 500ms, 5s or 2m`},
		{[]string{"watch", "--interval", "0"}, "--interval must be more than 0, such as 250ms"},
		{[]string{"watch", "--timeout", "-5s"}, "invalid --timeout -5s: give a duration of 0 or more, such as 500ms, 5s or 2m"},
		{[]string{"watch", "--interval", "-1s"}, "invalid --interval -1s: give a duration of 0 or more, such as 500ms, 5s or 2m"},
		{[]string{"watch", "--count", "x"}, `invalid --count "x": give a whole number, 0 or more`},
		{[]string{"watch", "--count", "-1"}, `give a whole number, 0 or more`},
		{[]string{"watch", "--format", "tsv"}, "whoport watch writes text or json, not tsv"},
		{[]string{"watch", "abc"}, `unknown service "abc"`},
		{[]string{"watch", "--state", "nope"}, `unknown state "nope"`},
	} {
		r := runIn(c.args...)
		lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
		if r.code != 2 || len(lines) != 1 || !strings.Contains(lines[0], c.want) || r.stdout != "" ||
			strings.Contains(r.stderr, "strconv") || strings.Contains(r.stderr, "time:") {
			t.Errorf("whoport %q: exit %d, stderr:\n%s\nwant exit 2 and one line with %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

// lockedBuffer is a buffer one goroutine writes while another reads.
type lockedBuffer struct {
	mu *sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor waits until the buffer holds s.
func waitFor(t *testing.T, b *lockedBuffer, s string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(b.String(), s) {
			return
		}
	}
	t.Fatalf("no %q in watch's output:\n%s", s, b.String())
}
