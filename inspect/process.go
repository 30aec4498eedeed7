package inspect

import (
	"context"
	"os/user"
	"strconv"
	"strings"
	"sync"

	"github.com/shirou/gopsutil/v3/process"
)

// describer fills in the details of the processes that hold sockets,
// through gopsutil's process package (pointed at the System's /proc root)
// plus what each platform adds.
type describer struct {
	ctx   context.Context
	sys   System
	users sync.Map // uid → name
	plat  platformFacts
}

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

// describeAll describes the pids in parallel.
func (d *describer) describeAll(pids []int32) map[int32]*Process {
	out := make(map[int32]*Process, len(pids))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, pid := range pids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			p := d.describe(pid)
			mu.Lock()
			out[pid] = p
			mu.Unlock()
			<-sem
		}()
	}
	wg.Wait()
	return out
}

// userName gives the name of uid, or "" when the user database lacks it.
func (d *describer) userName(uid uint32) string {
	if v, ok := d.users.Load(uid); ok {
		return v.(string)
	}
	name := ""
	if u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10)); err == nil {
		name = u.Username
	}
	d.users.Store(uid, name)
	return name
}
