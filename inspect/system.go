package inspect

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/whoport/whoport/services"
)

// System is the host whoport looks at, and the only way in: every read of
// the host and every effect on it is a method of System. It is named by
// its proc root, the live host's /proc (or another mount of it), or a
// fixture tree in tests, and it knows who whoport is there.
//
// A System that is not the live host (a fixture, or the /proc of another
// pid namespace) can be read but not acted on: it refuses to probe a bind
// or signal a process, with ErrNotLive, so that an answer never mixes two
// hosts.
type System struct {
	proc string
	// live reports that proc shows this process itself: the same pid and
	// network namespaces, so sock_diag, probes and signals reach the
	// host that proc describes.
	live bool
	// hidepid reports that the mount hides other users' processes
	// (hidepid=1 or 2, or subset=pid): their holders cannot be seen
	// without root.
	hidepid string
	id      Identity
	reg     func() *services.Registry
}

// Identity is who whoport runs as on a System.
type Identity struct {
	EUID uint32
	// NetBindService reports CAP_NET_BIND_SERVICE in the effective set:
	// the process may bind ports below net.ipv4.ip_unprivileged_port_start.
	// Open does not read it for root, who may anyway.
	NetBindService bool
}

// Root reports whether whoport runs as root.
func (id Identity) Root() bool { return id.EUID == 0 }

// Privileged reports whether whoport may bind ports below
// net.ipv4.ip_unprivileged_port_start.
func (id Identity) Privileged() bool { return id.Root() || id.NetBindService }

// ErrNotLive is the error of an effect asked of a System that is not the
// live host.
var ErrNotLive = errors.New("not the live host")

// RootError is a proc root that cannot be believed: missing, empty, or not
// a procfs mount. Its message says what was wrong, in one line.
type RootError struct {
	Root string
	Msg  string
}

func (e *RootError) Error() string { return e.Msg }

// Fixture is a System over a directory tree laid out as /proc, for tests:
// it is read as the /proc/net files and /proc/PID directories it holds,
// whoport is id there, its registry is IANA's alone, and it never probes
// or signals. Users reach only Open.
func Fixture(root string, id Identity) System {
	return System{proc: root, id: id, reg: services.Default}
}

// Proc is the proc root.
func (s System) Proc() string { return s.proc }

// Live reports whether the System is the host whoport runs on, where it
// may probe binds and signal processes.
func (s System) Live() bool { return s.live }

// Identity is who whoport is on the System.
func (s System) Identity() Identity { return s.id }

// Hidepid gives the mount option that hides other users' processes from
// whoport ("hidepid=2"), or "" when none does (or whoport is root).
func (s System) Hidepid() string { return s.hidepid }

// Registry is the port registry to name the System's ports with: IANA's,
// with the live host's /etc/services names added.
func (s System) Registry() *services.Registry {
	if s.reg == nil {
		return services.Default()
	}
	return s.reg()
}

// notLive is the error for an effect a System that is not live refuses.
func (s System) notLive(what string) error {
	return fmt.Errorf("%s: %s is %w", what, s.proc, ErrNotLive)
}

// attach gives each socket its holders (pids sorted) from a walk's result,
// and marks as hidden the sockets that have an inode but no holder while
// some processes could not be seen.
func attach(socks []Socket, holders map[uint64][]int32, procs map[int32]*Process, someUnseen bool) {
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
		s.Hidden = len(s.Holders) == 0 && someUnseen
	}
}

// sortSockets orders sockets by port, then protocol, listeners first,
// then family, addresses and inode: a total order, so an unstable sort
// gives one answer, and moves the (large) sockets far less than a stable
// one (a third of the time of a listing of 18,000 sockets went to it).
func sortSockets(socks []Socket) {
	slices.SortFunc(socks, func(a, b Socket) int {
		return cmp.Or(
			cmp.Compare(a.Local.Port(), b.Local.Port()),
			cmp.Compare(a.Proto, b.Proto),
			-cmp.Compare(boolInt(a.Listening()), boolInt(b.Listening())),
			cmp.Compare(netnsKey(a.Netns), netnsKey(b.Netns)), // the host's first
			cmp.Compare(a.Family, b.Family),
			a.Local.Addr().Compare(b.Local.Addr()),
			a.Remote.Compare(b.Remote),
			cmp.Compare(a.Inode, b.Inode),
		)
	})
}

// netnsKey orders namespaces: the host's (or an unknown one) first, then
// by name.
func netnsKey(n *Netns) string {
	if n == nil || n.Host {
		return ""
	}
	return "~" + n.Name
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

// Tables reads the sockets the filter passes, as Collect does, without
// looking for their holders (Filter.NoHolders): the tables cost
// milliseconds, the holders a walk of every process's descriptors.
func (s System) Tables(f Filter) (*Snapshot, error) {
	f.NoHolders = true
	return s.Collect(context.Background(), f)
}
