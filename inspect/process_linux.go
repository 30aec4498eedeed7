package inspect

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// describe returns what /proc/PID tells of pid: from status its name,
// effective uid and capabilities, the exe link, cmdline, and the facts
// platformFacts adds. A process that exited or whose details are hidden
// gives a Process with only the facts we could read; that is not an error.
//
// It reads the files itself rather than through gopsutil: each once, and
// without gopsutil's cpu package, whose init reads /proc/stat.
func (d *describer) describe(pid int32) *Process {
	dir := filepath.Join(d.sys.Proc, strconv.Itoa(int(pid)))
	out := &Process{PID: pid}
	if b, err := os.ReadFile(filepath.Join(dir, "status")); err == nil {
		var uid uint32
		var ok bool
		out.Name, uid, ok = parseStatus(b)
		if ok {
			out.UID = uid
			out.User = d.userName(uid)
		}
		out.NetBindService = netBindService(b)
	}
	exe, _ := os.Readlink(filepath.Join(dir, "exe"))
	out.Exe, out.ExeDeleted = strings.CutSuffix(exe, " (deleted)")
	if b, err := os.ReadFile(filepath.Join(dir, "cmdline")); err == nil {
		out.Cmdline = splitCmdline(b)
	}
	// The kernel cuts a name at 15 bytes; the command line may have the rest.
	if len(out.Name) >= 15 && len(out.Cmdline) > 0 {
		if long := filepath.Base(out.Cmdline[0]); strings.HasPrefix(long, out.Name) {
			out.Name = long
		}
	}
	out.ForwardsTo = dockerProxyTarget(out.Cmdline)
	d.plat.fill(d, dir, out)
	return out
}

// parseStatus reads the name and the effective uid from the contents of
// /proc/PID/status ("Name:\tnginx", "Uid:\treal effective saved fs").
func parseStatus(b []byte) (name string, uid uint32, ok bool) {
	for line := range bytes.Lines(b) {
		k, v, found := bytes.Cut(bytes.TrimRight(line, "\n"), []byte(":"))
		if !found {
			continue
		}
		switch string(k) {
		case "Name":
			name = string(bytes.Trim(v, " \t"))
		case "Uid":
			if f := bytes.Fields(v); len(f) > 1 {
				n, err := strconv.ParseUint(string(f[1]), 10, 32)
				uid, ok = uint32(n), err == nil
			}
			return name, uid, ok // Uid comes after Name
		}
	}
	return name, uid, ok
}

// splitCmdline splits the contents of /proc/PID/cmdline at its NULs.
func splitCmdline(b []byte) []string {
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil
	}
	return strings.Split(string(b), "\x00")
}

// platformFacts adds what Linux knows better than gopsutil: the exact
// start time from /proc/PID/stat, and from /proc/PID/cgroup and environ
// the systemd unit, the container, and the socket units.
type platformFacts struct {
	boot time.Time
}

// fill reads the facts of out from its directory dir in the proc root.
func (f *platformFacts) fill(d *describer, dir string, out *Process) {
	if b, err := os.ReadFile(filepath.Join(dir, "cgroup")); err == nil {
		cg := cgroupPath(b)
		out.Unit, out.UserUnit = unitOf(cg)
		out.Container = containerOf(cg)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "environ")); err == nil { // the owner's and root's only
		out.SocketUnits = socketUnits(b)
	}
	if st, err := readStat(d.sys.Proc, out.PID); err == nil {
		out.PPID = st.ppid
		out.StartTicks = st.startTicks
		if !f.boot.IsZero() {
			out.Started = startTime(f.boot, st.startTicks)
		}
	}
}
