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
	plan := PlanKill(socks, false)
	if got := pids(plan); !slices.Equal(got, []int32{100, 101}) || len(plan.Listeners) != 2 || plan.Hidden != 1 {
		t.Errorf("listeners only: got targets %v, %d listeners, %d hidden; want [100 101], 2, 1", got, len(plan.Listeners), plan.Hidden)
	}
	if got := pids(PlanKill(socks, true)); !slices.Equal(got, []int32{100, 101, 300}) {
		t.Errorf("with all: got %v, want the client too", got)
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
}
