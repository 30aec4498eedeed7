package inspect

import (
	"context"
)

// Collect reads the TCP and UDP sockets the filter passes and every process
// that holds one of them. The live host's tables come from sock_diag
// netlink, falling back to /proc/net when netlink is not allowed; any
// other proc root is read through its /proc/net files. Holders are found
// by a BPF iterator on a big host where that is allowed, else in one
// parallel walk of /proc/*/fd (Snapshot.Walk says which), skipped when no
// socket passes.
func (s System) Collect(ctx context.Context, f Filter) (*Snapshot, error) {
	snap := &Snapshot{Source: "sock_diag"}
	var err error
	if s.live() {
		snap.Sockets, err = dumpSockDiag(f)
	}
	if !s.live() || err != nil {
		snap.Source = "/proc/net"
		snap.Sockets, snap.Warnings, err = readNetTables(s.Proc, f.Match)
		if err != nil {
			return nil, err
		}
	}
	want := make(map[uint64]struct{})
	for _, sk := range snap.Sockets {
		if sk.Inode != 0 {
			want[sk.Inode] = struct{}{}
		}
	}
	scan, walk, err := s.findHolders(want) // walk_linux.go
	if err != nil {
		return nil, err
	}
	snap.Walk = walk
	d := &describer{ctx: ctx, sys: s}
	d.plat.boot, _ = bootTime(s.Proc)
	procs := d.describeAll(pidsOf(scan.holders))
	attach(snap.Sockets, scan.holders, procs, len(scan.unreadable) > 0)
	snap.Unreadable = scan.unreadable
	for i := range snap.Sockets {
		snap.Sockets[i].User = d.userName(snap.Sockets[i].UID)
	}
	sortSockets(snap.Sockets)
	return snap, nil
}
