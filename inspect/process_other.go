//go:build !linux

package inspect

import (
	"strings"

	"github.com/shirou/gopsutil/v3/process"
)

// describe returns what can be learnt of pid. A process that exited or
// whose details are hidden gives a Process with only the facts we could
// read; that is not an error.
func (d *describer) describe(pid int32) *Process {
	p := &process.Process{Pid: pid} // not NewProcess: it probes the live pid, even for a fixture root
	out := &Process{PID: pid}
	// Uids first: on Linux it reads /proc/PID/status, which gives the name too.
	if uids, err := p.UidsWithContext(d.ctx); err == nil && len(uids) > 1 {
		out.UID = uint32(uids[1]) // effective
		out.User = d.userName(out.UID)
	}
	out.Name, _ = p.NameWithContext(d.ctx)
	out.Exe, _ = p.ExeWithContext(d.ctx)
	out.Exe, out.ExeDeleted = strings.CutSuffix(out.Exe, " (deleted)")
	out.Cmdline, _ = p.CmdlineSliceWithContext(d.ctx)
	out.ForwardsTo = dockerProxyTarget(out.Cmdline)
	d.plat.fill(d, p, out)
	return out
}
