package inspect

import (
	"context"
	"fmt"
	"time"

	"github.com/shirou/gopsutil/v3/process"
)

// Collect reads the TCP and UDP sockets the filter passes and every process
// that holds one of them. The live host's tables come from sock_diag
// netlink, falling back to /proc/net when netlink is not allowed; any
// other proc root is read through its /proc/net files. Holders are found
// in one parallel walk of /proc/*/fd, skipped when no socket passes.
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
	var scan fdScan
	if len(want) > 0 {
		if scan, err = scanFDs(s.Proc, want); err != nil {
			return nil, fmt.Errorf("walk %s: %w", s.Proc, err)
		}
	}
	d := &describer{ctx: s.gopsutil(ctx), sys: s}
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

// platformFacts adds what Linux knows better than gopsutil: the exact
// start time from /proc/PID/stat.
type platformFacts struct {
	boot time.Time
}

func (f *platformFacts) fill(d *describer, p *process.Process, out *Process) {
	if st, err := readStat(d.sys.Proc, out.PID); err == nil {
		out.PPID = st.ppid
		out.StartTicks = st.startTicks
		if !f.boot.IsZero() {
			out.Started = startTime(f.boot, st.startTicks)
		}
	}
}
