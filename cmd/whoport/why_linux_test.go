package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/whoport/whoport/inspect"
)

// whyReportOf runs whoport why --json.
func whyReportOf(t *testing.T, cred *syscall.Credential, args ...string) (whyReport, result) {
	t.Helper()
	var r result
	if cred != nil {
		r = runAs(t, cred, append([]string{"why", "--json"}, args...)...)
	} else {
		r = whoport(t, append([]string{"why", "--json"}, args...)...)
	}
	var rep whyReport
	if err := jsonUnmarshal(r.stdout, &rep); err != nil {
		t.Fatalf("why %v: %v\n%s\nstderr: %s", args, err, r.stdout, r.stderr)
	}
	return rep, r
}

// finding gives the finding with the code, or fails.
func finding(t *testing.T, rep whyReport, code string) jsonFinding {
	t.Helper()
	for _, f := range rep.Findings {
		if f.Code == code {
			return f
		}
	}
	t.Fatalf("no %s finding in %+v", code, rep.Findings)
	return jsonFinding{}
}

func culprits(f jsonFinding) []int32 {
	if f.Socket == nil {
		return nil
	}
	return holderPIDsOf(*f.Socket)
}

// The tests of why that probe a bind run in network namespaces of their own
// (ownNetNS): whether a bind succeeds depends on every socket on the port,
// and there only the test's own are.

// TestWhy reproduces each conflict rule with sockets held by child
// processes, and checks that why names the rule and the culprit.
func TestWhy(t *testing.T) {
	t.Parallel()
	ns := ownNetNS(t)
	v4 := holdSockets(t, "listen-on", "127.0.0.1:0")
	p4 := v4.said["port"]
	wild := holdSockets(t, "listen-on", "0.0.0.0:0")
	pw := wild.said["port"]
	for _, c := range []struct {
		name     string
		args     []string
		code     string
		culprit  int32
		bindable bool
	}{
		{"same address", []string{"127.0.0.1:" + p4 + "/tcp"}, inspect.CodeSameAddress, v4.pid, false},
		{"a specific holder blocks the wildcard", []string{p4 + "/tcp"}, inspect.CodeSpecificHolder, v4.pid, false},
		{"the wildcard holder blocks a specific address", []string{"127.0.0.1:" + pw + "/tcp"}, inspect.CodeWildcardHolder, wild.pid, false},
		{"the wildcard holder blocks the wildcard", []string{pw + "/tcp"}, inspect.CodeSameAddress, wild.pid, false},
		{"dual-stack [::] takes IPv4 too", []string{"-6", p4 + "/tcp"}, inspect.CodeDualStack, v4.pid, false},
		{"another loopback address is free", []string{"127.0.0.2:" + p4 + "/tcp"}, "", 0, true},
		{"IPV6_V6ONLY keeps the families apart", []string{"-6", "--v6only", p4 + "/tcp"}, "", 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ns.enter(t)
			rep, r := whyReportOf(t, nil, c.args...)
			if rep.Bindable != c.bindable || (r.code == 0) != c.bindable {
				t.Fatalf("bindable %v exit %d, want %v; %+v", rep.Bindable, r.code, c.bindable, rep)
			}
			if c.bindable {
				if slices.ContainsFunc(rep.Findings, func(f jsonFinding) bool { return f.Blocking }) {
					t.Errorf("a bindable port with blocking findings: %+v", rep.Findings)
				}
				return
			}
			if rep.Errno != "EADDRINUSE" {
				t.Errorf("got errno %q, want EADDRINUSE", rep.Errno)
			}
			f := finding(t, rep, c.code)
			if !f.Blocking || !slices.Equal(culprits(f), []int32{c.culprit}) || f.Fix == "" {
				t.Errorf("got %+v culprits %v; want blocking, pid %d, and a fix", f, culprits(f), c.culprit)
			}
		})
	}

	dual := holdSockets(t, "listen-on", "dual:[::]:0")
	t.Run("a dual-stack holder blocks IPv4", func(t *testing.T) {
		t.Parallel()
		ns.enter(t)
		rep, _ := whyReportOf(t, nil, "127.0.0.1:"+dual.said["port"]+"/tcp")
		if f := finding(t, rep, inspect.CodeDualStack); rep.Bindable || !f.Blocking || !slices.Equal(culprits(f), []int32{dual.pid}) {
			t.Errorf("got bindable %v, %+v", rep.Bindable, f)
		}
	})

	t.Run("text", func(t *testing.T) {
		t.Parallel()
		ns.enter(t)
		r := whoport(t, "why", p4+"/tcp")
		for _, want := range []string{"fails now: address already in use (EADDRINUSE)", inspect.CodeSpecificHolder, fmt.Sprintf("pid %d", v4.pid), "fix:"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("why lacks %q:\n%s", want, r.stdout)
			}
		}
	})
}

func TestWhyTimeWait(t *testing.T) {
	t.Parallel()
	ownNetNS(t)
	c := holdSockets(t, "timewait", "")
	port := c.said["port"] + "/tcp"
	rep, _ := whyReportOf(t, nil, "127.0.0.1:"+port)
	if rep.Bindable {
		t.Fatalf("a plain bind over a server-side TIME_WAIT succeeded: %+v", rep)
	}
	f := finding(t, rep, inspect.CodeTimeWait)
	if !f.Blocking || f.Socket == nil || len(f.Socket.Holders) != 0 || f.Socket.TimerSeconds <= 0 {
		t.Errorf("got %+v; want a blocking TIME_WAIT with no holder and its timer", f)
	}
	// Go's listener set SO_REUSEADDR; with it on the new socket too, the bind succeeds.
	rep, r := whyReportOf(t, nil, "--reuseaddr", "127.0.0.1:"+port)
	if !rep.Bindable || r.code != 0 {
		t.Errorf("with --reuseaddr: got bindable %v exit %d, want a bindable port", rep.Bindable, r.code)
	}
	if f := finding(t, rep, inspect.CodeTimeWait); f.Blocking {
		t.Errorf("with --reuseaddr the TIME_WAIT should not block: %+v", f)
	}
}

func TestWhyReusePort(t *testing.T) {
	t.Parallel()
	ownNetNS(t)
	plain := holdSockets(t, "listen-on", "127.0.0.1:0")
	rep, _ := whyReportOf(t, nil, "--reuseport", "127.0.0.1:"+plain.said["port"]+"/tcp")
	if f := finding(t, rep, inspect.CodeReusePort); rep.Bindable || !f.Blocking || !slices.Equal(culprits(f), []int32{plain.pid}) {
		t.Errorf("a holder without SO_REUSEPORT: got bindable %v, %+v", rep.Bindable, f)
	}
	shared := holdSockets(t, "reuseport", "0")
	port := shared.said["tcp4"] + "/tcp"
	rep, r := whyReportOf(t, nil, "--reuseport", "127.0.0.1:"+port)
	if !rep.Bindable || r.code != 0 {
		t.Errorf("both SO_REUSEPORT, same user: got bindable %v exit %d, want bindable", rep.Bindable, r.code)
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to try as another user")
	}
	rep, _ = whyReportOf(t, nobody, "--reuseport", "127.0.0.1:"+port)
	f := finding(t, rep, inspect.CodeReusePort)
	if rep.Bindable || !strings.Contains(f.Message, "same user") {
		t.Errorf("SO_REUSEPORT under another user: got bindable %v, %q", rep.Bindable, f.Message)
	}
}

// nobody is the unprivileged user the tests run whoport as, when root.
var nobody = &syscall.Credential{Uid: 65534, Gid: 65534}

// TestWhyPrivilegedPort: below net.ipv4.ip_unprivileged_port_start only
// root binds; with the setting lowered in the test's namespace, anyone does.
func TestWhyPrivilegedPort(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run whoport as an unprivileged user")
	}
	ownNetNS(t)
	const port = "1000/tcp" // free in the test's own namespace
	rep, r := whyReportOf(t, nobody, port)
	f := finding(t, rep, inspect.CodePrivileged)
	if rep.Bindable || r.code != 1 || rep.Errno != "EACCES" || !f.Blocking {
		t.Errorf("as nobody: got bindable %v exit %d errno %q, %+v; want EACCES and a blocking %s", rep.Bindable, r.code, rep.Errno, f, inspect.CodePrivileged)
	}
	rep, _ = whyReportOf(t, nil, port)
	if !rep.Bindable || slices.ContainsFunc(rep.Findings, func(f jsonFinding) bool { return f.Code == inspect.CodePrivileged }) {
		t.Errorf("as root: got %+v, want bindable without %s", rep, inspect.CodePrivileged)
	}
	writeNetSysctl(t, "ipv4.ip_unprivileged_port_start", "1000")
	rep, r = whyReportOf(t, nobody, port)
	if !rep.Bindable || r.code != 0 || slices.ContainsFunc(rep.Findings, func(f jsonFinding) bool { return f.Code == inspect.CodePrivileged }) {
		t.Errorf("as nobody, ip_unprivileged_port_start lowered to 1000: got bindable %v exit %d, %+v; want bindable without %s", rep.Bindable, r.code, rep.Findings, inspect.CodePrivileged)
	}
}

// TestWhyEphemeralAndReserved: a port in net.ipv4.ip_local_port_range is
// at risk from outgoing connections, unless it is in
// net.ipv4.ip_local_reserved_ports, set here in the test's own namespace.
func TestWhyEphemeralAndReserved(t *testing.T) {
	t.Parallel()
	ownNetNS(t)
	c := holdSockets(t, "listen-on", "127.0.0.1:0") // the kernel picks from the ephemeral range
	c.stop()                                        // in the test's own namespace, nothing else takes it
	port := c.said["port"]
	rep, r := whyReportOf(t, nil, "127.0.0.1:"+port+"/tcp")
	f := finding(t, rep, inspect.CodeEphemeral)
	if !rep.Bindable || r.code != 0 || f.Blocking {
		t.Errorf("got bindable %v exit %d, %+v; want bindable with a warning", rep.Bindable, r.code, f)
	}
	writeNetSysctl(t, "ipv4.ip_local_reserved_ports", port)
	rep, _ = whyReportOf(t, nil, "127.0.0.1:"+port+"/tcp")
	finding(t, rep, inspect.CodeReserved)
	if slices.ContainsFunc(rep.Findings, func(f jsonFinding) bool { return f.Code == inspect.CodeEphemeral }) {
		t.Errorf("a reserved port is not at risk from outgoing connections: %+v", rep.Findings)
	}
}

// TestWhyWhichLocalhost: "localhost" reaches ::1 first, where another
// process holds the port. In the test's own namespace, the port the kernel
// gave on 127.0.0.1 is free on ::1.
func TestWhyWhichLocalhost(t *testing.T) {
	t.Parallel()
	ownNetNS(t)
	a := holdSockets(t, "listen-on", "127.0.0.1:0")
	b, err := startChild(t, "listen-on", "[::1]:"+a.said["port"])
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	t.Cleanup(b.stop)
	rep, _ := whyReportOf(t, nil, "127.0.0.1:"+a.said["port"]+"/tcp")
	if lh := liveSystem(t).NetConfig().Localhost; lh != nil && len(lh) < 2 {
		// localhost is one address here (/etc/hosts): its clients reach one server.
		if slices.ContainsFunc(rep.Findings, func(f jsonFinding) bool { return f.Code == inspect.CodeWhichLocalhost }) {
			t.Errorf("localhost is %v alone here, yet which-localhost warns: %+v", lh, rep.Findings)
		}
		return
	}
	f := finding(t, rep, inspect.CodeWhichLocalhost)
	if !strings.Contains(f.Message, fmt.Sprintf("pid %d", a.pid)) || !strings.Contains(f.Message, fmt.Sprintf("pid %d", b.pid)) || !slices.Equal(culprits(f), []int32{b.pid}) {
		t.Errorf("got %+v; want both pids named and the ::1 one as the one localhost reaches", f)
	}
}
