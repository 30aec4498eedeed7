package inspect

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/whoport/whoport/services"
)

func TestPlanKill(t *testing.T) {
	master := &Process{PID: 100, PPID: 1}
	worker := &Process{PID: 101, PPID: 100}
	client := &Process{PID: 300, PPID: 1}
	socks := []Socket{
		{Proto: services.TCP, State: Listen, Local: netip.MustParseAddrPort("0.0.0.0:80"), Inode: 1, Holders: []*Process{master, worker}},
		{Proto: services.TCP, State: Established, Local: netip.MustParseAddrPort("127.0.0.1:80"), Remote: netip.MustParseAddrPort("127.0.0.1:40000"), Inode: 2, Holders: []*Process{worker}},
		{Proto: services.TCP, State: Established, Local: netip.MustParseAddrPort("127.0.0.1:40000"), Remote: netip.MustParseAddrPort("127.0.0.1:80"), Inode: 3, Holders: []*Process{client}},
		{Proto: services.TCP, State: Listen, Local: netip.MustParseAddrPort("[::]:80"), Inode: 4, Hidden: true},
	}
	pids := func(p KillPlan) []int32 {
		var out []int32
		for _, t := range p.Targets {
			out = append(out, t.Process.PID)
		}
		return out
	}
	plan := PlanKill(socks, false, nil)
	if got := pids(plan); !slices.Equal(got, []int32{100, 101}) || len(plan.Rebind) != 2 || plan.Hidden != 1 {
		t.Errorf("listeners only: got targets %v, %d listeners, %d hidden; want [100 101], 2, 1", got, len(plan.Rebind), plan.Hidden)
	}
	if got := pids(PlanKill(socks, true, nil)); !slices.Equal(got, []int32{100, 101, 300}) {
		t.Errorf("with all: got %v, want the client too", got)
	}
	if plan := PlanKill(socks, false, []int32{101}); !slices.Equal(pids(plan), []int32{101}) {
		t.Errorf("with pid 101: got %v, want only 101", pids(plan))
	}
	// A tunnel's port is the kernel's: nothing to signal, nor to wait for,
	// but it holds the port.
	vxlan := Socket{Proto: services.UDP, State: Close, Local: netip.MustParseAddrPort("0.0.0.0:4789"), Inode: 9, Kernel: true, Device: "vxlan0"}
	for _, all := range []bool{false, true} {
		plan := PlanKill([]Socket{socks[0], vxlan}, all, nil)
		if !slices.Equal(pids(plan), []int32{100, 101}) || len(plan.Rebind) != 1 || len(plan.Others) != 1 || plan.Others[0].Inode != 9 || plan.Hidden != 0 {
			t.Errorf("with a VXLAN socket (all %v): got targets %v, rebind %d, others %d, hidden %d; want [100 101], 1, the VXLAN socket, 0",
				all, pids(plan), len(plan.Rebind), len(plan.Others), plan.Hidden)
		}
	}
	// A bound TCP socket that does not listen, and a connected UDP socket,
	// still hold the port: named, not signalled, unless all.
	bound := Socket{Proto: services.TCP, State: Close, Local: netip.MustParseAddrPort("0.0.0.0:81"), Inode: 5, Holders: []*Process{client}}
	connected := Socket{Proto: services.UDP, State: Established, Local: netip.MustParseAddrPort("127.0.0.1:81"),
		Remote: netip.MustParseAddrPort("127.0.0.1:53"), Inode: 6, Holders: []*Process{client}}
	plan = PlanKill([]Socket{bound, connected}, false, nil)
	if len(plan.Targets) != 0 || len(plan.Others) != 2 {
		t.Errorf("bound and connected: got %d targets, %d others; want 0 and 2", len(plan.Targets), len(plan.Others))
	}
	if plan = PlanKill([]Socket{bound, connected}, true, nil); !slices.Equal(pids(plan), []int32{300}) || len(plan.Rebind) != 1 {
		t.Errorf("with all: got %v and %d to wait for; want 300, and the bound one (a connection goes with its holder)", pids(plan), len(plan.Rebind))
	}
}

func TestRelation(t *testing.T) {
	parent := &Process{PID: 10, PPID: 5}
	sibling := &Process{PID: 11, PPID: 5}
	signalled := map[int32]*Process{10: parent, 11: sibling}
	child := &Process{PID: 20, PPID: 10}
	if got := Relation(child, signalled, func(*Process) bool { return false }); len(got) != 1 || got[0] != "a child of pid 10, which was signalled; it inherited the socket" {
		t.Errorf("child: got %q", got)
	}
	if got := Relation(sibling, signalled, func(*Process) bool { return true }); len(got) != 2 || got[0] != "a sibling of pid 10 (both children of pid 5)" {
		t.Errorf("sibling that runs on: got %q", got)
	}
}

func TestMainHolder(t *testing.T) {
	worker := &Process{PID: 99, PPID: 100}
	master := &Process{PID: 100, PPID: 1}
	main, others := MainHolder([]*Process{worker, master})
	if main != master || !slices.Equal(others, []int32{99}) {
		t.Errorf("got %d and %v, want the master 100 and the worker 99", main.PID, others)
	}
	if main, others := MainHolder(nil); main != nil || others != nil {
		t.Errorf("no holders: got %v and %v, want none", main, others)
	}
}
