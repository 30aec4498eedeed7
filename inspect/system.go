package inspect

import (
	"cmp"
	"slices"
)

// System is the host whoport looks at, named by its proc root: "/proc" for
// the live host, a fixture tree in tests, or the host's /proc mounted into a
// container.
type System struct {
	Proc string
	// Walk chooses how Collect finds the holders of sockets on Linux:
	// WalkAuto, WalkBPF or WalkProc. "" reads WHOPORT_WALK when Collect
	// runs, and means WalkAuto when that is unset.
	Walk string
}

// Live is the host we run on.
func Live() System { return System{Proc: "/proc"} }

func (s System) live() bool { return s.Proc == "/proc" }

// attach gives each socket its holders (pids sorted) from a walk's result,
// and marks as hidden the sockets that have an inode but no holder while
// some processes could not be read.
func attach(socks []Socket, holders map[uint64][]int32, procs map[int32]*Process, someUnreadable bool) {
	for i := range socks {
		s := &socks[i]
		if s.Inode == 0 {
			continue
		}
		pids := slices.Clone(holders[s.Inode])
		slices.Sort(pids)
		for _, pid := range slices.Compact(pids) {
			if p := procs[pid]; p != nil {
				s.Holders = append(s.Holders, p)
			}
		}
		s.Hidden = len(s.Holders) == 0 && someUnreadable
	}
}

// sortSockets orders sockets by port, then protocol, listeners first,
// then family and addresses.
func sortSockets(socks []Socket) {
	slices.SortStableFunc(socks, func(a, b Socket) int {
		return cmp.Or(
			cmp.Compare(a.Local.Port(), b.Local.Port()),
			cmp.Compare(a.Proto, b.Proto),
			-cmp.Compare(boolInt(a.Listening()), boolInt(b.Listening())),
			cmp.Compare(a.Family, b.Family),
			a.Local.Addr().Compare(b.Local.Addr()),
			a.Remote.Compare(b.Remote),
			cmp.Compare(a.Inode, b.Inode),
		)
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// pidsOf lists the pids in a walk's result, each once.
func pidsOf(holders map[uint64][]int32) []int32 {
	var pids []int32
	for _, ps := range holders {
		pids = append(pids, ps...)
	}
	slices.Sort(pids)
	return slices.Compact(pids)
}
