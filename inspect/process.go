package inspect

import (
	"context"
	"os/user"
	"strconv"
	"sync"
)

// describer fills in the details of the processes that hold sockets: on
// Linux from the System's /proc root, elsewhere through gopsutil's process
// package; plus what each platform adds.
type describer struct {
	ctx   context.Context // for gopsutil
	sys   System
	users sync.Map // uid → name
	plat  platformFacts
}

// describeAll describes the pids in parallel; one, the common answer to a
// port query, in line.
func (d *describer) describeAll(pids []int32) map[int32]*Process {
	out := make(map[int32]*Process, len(pids))
	if len(pids) == 1 {
		out[pids[0]] = d.describe(pids[0])
		return out
	}
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
	} else {
		name = nssUserName(uid) // user_*.go: for a static build
	}
	d.users.Store(uid, name)
	return name
}
