package main

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// TestWalkPaths: WHOPORT_WALK forces how holders are found, both ways name
// the child, and the JSON says which way ran and why. As nobody, or as
// root of a user namespace, the BPF path is refused, not an error.
func TestWalkPaths(t *testing.T) {
	c := holdSockets(t, "listen", "")
	query := "127.0.0.1:" + c.port(t, "tcp4") + "/tcp"
	type run struct {
		env, path, why string
	}
	runs := []run{{"proc", "proc", "WHOPORT_WALK=proc"}}
	if r := whoportWalk(t, "bpf", query); r.Walk != nil && r.Walk.Path == "bpf" {
		runs = append(runs, run{"bpf", "bpf", "WHOPORT_WALK=bpf"})
	} else if r.Walk != nil {
		t.Logf("the BPF path does not run here: %s", r.Walk.Why)
	}
	for _, w := range runs {
		doc := whoportWalk(t, w.env, query)
		if doc.Walk == nil || doc.Walk.Path != w.path || doc.Walk.Why != w.why {
			t.Errorf("WHOPORT_WALK=%s: got walk %+v, want path %s, why %q", w.env, doc.Walk, w.path, w.why)
		}
		socks := held(doc)
		if len(socks) != 1 || len(socks[0].Holders) != 1 || socks[0].Holders[0].PID != c.pid {
			t.Errorf("WHOPORT_WALK=%s: got %+v, want one socket held by the child %d", w.env, socks, c.pid)
		}
	}
	if os.Geteuid() == 0 {
		cmd := whoportCmd("--json", query)
		cmd.Env = append(cmd.Env, "WHOPORT_WALK=bpf")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: nobody}
		doc := decode(t, runCmd(t, cmd))
		if doc.Walk == nil || doc.Walk.Path != "proc" || doc.Walk.Why != "no CAP_BPF and CAP_PERFMON" {
			t.Errorf("as nobody: got walk %+v, want proc, for want of CAP_BPF and CAP_PERFMON", doc.Walk)
		}
	}
	if _, err := exec.LookPath("unshare"); err == nil {
		// Root in a user namespace of its own has every capability there,
		// and none that lets it load BPF.
		cmd := exec.Command("unshare", "-U", "-r", whoportBin, "--json", query)
		cmd.Env = append(os.Environ(), "NO_COLOR=1", "WHOPORT_WALK=bpf")
		if r := runCmd(t, cmd); r.code != 0 {
			t.Logf("no user namespace here: exit %d, %s", r.code, r.stderr)
		} else if doc := decode(t, r); doc.Walk == nil || doc.Walk.Path != "proc" || doc.Walk.Why != "not in the initial user namespace, where CAP_BPF counts" {
			t.Errorf("in a user namespace: got walk %+v, want proc, for want of the initial user namespace", doc.Walk)
		}
	}
	cmd := whoportCmd("--json", query)
	cmd.Env = append(cmd.Env, "WHOPORT_WALK=fast")
	if r := runCmd(t, cmd); r.code != 2 || r.stderr == "" {
		t.Errorf("WHOPORT_WALK=fast: got exit %d, stderr %q; want exit 2 and an error", r.code, r.stderr)
	}
}

// whoportWalk runs whoport --json on query with WHOPORT_WALK set to walk.
func whoportWalk(t *testing.T, walk, query string) document {
	t.Helper()
	cmd := whoportCmd("--json", query)
	cmd.Env = append(cmd.Env, "WHOPORT_WALK="+walk)
	r := runCmd(t, cmd)
	if r.code != 0 {
		t.Fatalf("WHOPORT_WALK=%s whoport --json %s: exit %d, stderr %s", walk, query, r.code, r.stderr)
	}
	return decode(t, r)
}
