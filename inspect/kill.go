package inspect

import (
	"fmt"
	"maps"
	"slices"
)

// Target is a process to signal and the sockets it holds on the port.
type Target struct {
	Process *Process
	Sockets []*Socket
}

// KillPlan is what whoport kill would do: the processes to signal, and
// what it leaves alone.
type KillPlan struct {
	Targets []Target
	// Rebind are the sockets whose addresses must be bindable again
	// for the port to be free: the listening ones, and with all the
	// bound ones signalled (connections go with their holders).
	Rebind []*Socket
	// Hidden counts the sockets whose holders could not be seen.
	Hidden int
	// Others are the sockets that hold the port but are not signalled:
	// bound and not listening (a TCP socket that never listened, a
	// connected UDP socket), held by a process left out, whose holders
	// are none of the targets, or the kernel's own (a tunnel's port).
	// They still make a bind fail.
	Others []*Socket
}

// PlanKill picks the processes to signal among the sockets' holders: those
// of the listening sockets, and with all those of the others too (clients
// of the port, sockets bound without listening). With pids, only those
// processes are signalled. Targets are sorted by pid.
func PlanKill(socks []Socket, all bool, pids []int32) KillPlan {
	var plan KillPlan
	byPID := map[int32]int{}
	var others []*Socket
	for i := range socks {
		s := &socks[i]
		if s.Kernel { // a tunnel's port (VXLAN, WireGuard): no process to signal, and it stays
			others = append(others, s)
			continue
		}
		if !s.Listening() && !all {
			if s.Inode != 0 && s.State != TimeWait {
				others = append(others, s)
			}
			continue
		}
		chosen := slices.DeleteFunc(slices.Clone(s.Holders), func(p *Process) bool {
			return len(pids) > 0 && !slices.Contains(pids, p.PID)
		})
		if len(chosen) == 0 && len(s.Holders) > 0 {
			others = append(others, s) // held by processes left out
			continue
		}
		if s.Remote.Port() == 0 { // a connection goes with its holder; its address is not the port's
			plan.Rebind = append(plan.Rebind, s)
		}
		if s.Hidden {
			plan.Hidden++
		}
		for _, h := range chosen {
			j, ok := byPID[h.PID]
			if !ok {
				j = len(plan.Targets)
				byPID[h.PID] = j
				plan.Targets = append(plan.Targets, Target{Process: h})
			}
			plan.Targets[j].Sockets = append(plan.Targets[j].Sockets, s)
		}
	}
	for _, s := range others {
		// A connection accepted by a target goes with it.
		if !slices.ContainsFunc(s.Holders, func(p *Process) bool { _, ok := byPID[p.PID]; return ok }) {
			plan.Others = append(plan.Others, s)
		}
	}
	slices.SortFunc(plan.Targets, func(x, y Target) int { return int(x.Process.PID - y.Process.PID) })
	return plan
}

// Relation says how a holder that still holds the port relates to the
// processes that were signalled: a child that inherited the socket, a
// sibling, and whether it was signalled itself and runs on (same reports
// whether the pid is still the process that was signalled).
func Relation(h *Process, signalled map[int32]*Process, same func(*Process) bool) []string {
	var facts []string
	ppid := h.PPID // now, perhaps 1: an orphan is given to init
	if before, ok := signalled[h.PID]; ok {
		ppid = before.PPID
	}
	if _, ok := signalled[ppid]; ok {
		facts = append(facts, fmt.Sprintf("a child of pid %d, which was signalled; it inherited the socket", ppid))
	} else {
		for _, pid := range slices.Sorted(maps.Keys(signalled)) {
			if p := signalled[pid]; p.PPID == ppid && ppid > 1 && p.PID != h.PID {
				facts = append(facts, fmt.Sprintf("a sibling of pid %d (both children of pid %d)", p.PID, ppid))
				break
			}
		}
	}
	if p, ok := signalled[h.PID]; ok && same(p) {
		facts = append(facts, "it was signalled and runs on (does it ignore the signal?)")
	}
	return facts
}

// MainHolder picks the holder to show in full: the one whose parent is
// not a holder too (a forked server's master, not its workers), the
// lowest pid first. The others are returned by pid. A socket no process
// holds (TIME_WAIT, a hidden holder) has none: nil.
func MainHolder(hs []*Process) (*Process, []int32) {
	if len(hs) == 0 {
		return nil, nil
	}
	main := hs[0]
	for _, h := range hs {
		if !slices.ContainsFunc(hs, func(p *Process) bool { return p.PID == h.PPID }) {
			main = h
			break
		}
	}
	var others []int32
	for _, h := range hs {
		if h != main {
			others = append(others, h.PID)
		}
	}
	return main, others
}
