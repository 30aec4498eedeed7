package main

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestWaitFree(t *testing.T) {
	c := holdSockets(t, "listen-on", "127.0.0.1:0")
	port := c.said["port"]
	r := whoport(t, "wait", "127.0.0.1:"+port, "--free", "--timeout", "200ms")
	if r.code != 1 || !strings.Contains(r.stdout, "timed out") {
		t.Errorf("held: exit %d %q, want 1, timed out", r.code, r.stdout)
	}
	go func() { time.Sleep(300 * time.Millisecond); c.stop() }()
	r = whoport(t, "wait", "127.0.0.1:"+port, "--free", "--timeout", "10s")
	if r.code != 0 || !strings.Contains(r.stdout, "can be bound") {
		t.Errorf("freed: exit %d %q, want 0", r.code, r.stdout)
	}
}

func TestWaitFreeCountsTimeWait(t *testing.T) {
	c := holdSockets(t, "timewait", "")
	port := c.said["port"]
	if r := whoport(t, "wait", "127.0.0.1:"+port, "--free", "--timeout", "200ms"); r.code != 1 {
		t.Errorf("a TIME_WAIT remnant: exit %d, want 1: a plain bind still fails", r.code)
	}
	if r := whoport(t, "wait", "127.0.0.1:"+port, "--free", "--reuseaddr", "--timeout", "200ms"); r.code != 0 {
		t.Errorf("with --reuseaddr: exit %d, want 0", r.code)
	}
}

func TestWaitTaken(t *testing.T) {
	c := holdSockets(t, "listen-on", "127.0.0.1:0")
	port := c.said["port"]
	c.stop()
	if r := whoport(t, "wait", "127.0.0.1:"+port, "--taken", "--timeout", "200ms"); r.code != 1 {
		t.Errorf("nothing listens: exit %d, want 1", r.code)
	}
	started := make(chan *child, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		later, _ := startChild("listen-on", "127.0.0.1:"+port)
		started <- later
	}()
	r := whoport(t, "wait", "127.0.0.1:"+port, "--taken", "--timeout", "10s")
	if later := <-started; later != nil {
		later.stop()
	}
	if r.code != 0 || !strings.Contains(r.stdout, "is taken") {
		t.Errorf("exit %d %q, want 0, taken", r.code, r.stdout)
	}
	for _, bad := range [][]string{{"wait", "8080"}, {"wait", "8080", "--free", "--taken"}, {"wait", "abc", "--free"}} {
		if r := runIn(bad...); r.code != 2 {
			t.Errorf("whoport %v: exit %d, want 2", bad, r.code)
		}
	}
}

func TestFree(t *testing.T) {
	r := whoport(t, "free", "-n", "3")
	ports := strings.Fields(r.stdout)
	if r.code != 0 || len(ports) != 3 {
		t.Fatalf("exit %d %q, want 3 ports", r.code, r.stdout)
	}
	cfg := liveSystem(t).NetConfig()
	for _, ps := range ports {
		p, _ := strconv.Atoi(ps)
		if p < 1024 || p > 49151 || (uint16(p) >= cfg.Ephemeral.First && uint16(p) <= cfg.Ephemeral.Last) {
			t.Errorf("port %d: outside 1024-49151 or inside the ephemeral range", p)
		}
		for _, network := range []string{"tcp", "udp"} {
			addr := fmt.Sprintf(":%d", p)
			var err error
			if network == "tcp" {
				var l net.Listener
				if l, err = net.Listen(network, addr); err == nil {
					l.Close()
				}
			} else {
				var c net.PacketConn
				if c, err = net.ListenPacket(network, addr); err == nil {
					c.Close()
				}
			}
			if err != nil {
				t.Errorf("port %d is not free on %s: %v", p, network, err)
			}
		}
	}
	held := holdSockets(t, "listen-on", "127.0.0.1:0")
	if r := whoport(t, "free", held.said["port"]); r.code != 1 || r.stdout != "" {
		t.Errorf("a held port: exit %d %q, want 1 and nothing", r.code, r.stdout)
	}
}
