package inspect

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// describe returns what /proc/PID tells of pid: from status its name,
// effective uid and capabilities, the exe link, cmdline, and the facts
// platformFacts adds. A process that exited or whose details are hidden
// gives a Process with only the facts we could read; that is not an error.
//
// It reads the files itself rather than through gopsutil: each once, and
// without gopsutil's cpu package, whose init reads /proc/stat.
func (d *describer) describe(pid int32) *Process {
	dir := filepath.Join(d.sys.proc, strconv.Itoa(int(pid)))
	out := &Process{PID: pid}
	var r procReader
	if b, err := r.read(filepath.Join(dir, "status")); err == nil {
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
	if b, err := r.read(filepath.Join(dir, "cmdline")); err == nil {
		out.Cmdline = splitCmdline(b)
	}
	// The kernel cuts a name at 15 bytes; the command line may have the rest.
	if len(out.Name) >= 15 && len(out.Cmdline) > 0 {
		if long := filepath.Base(out.Cmdline[0]); strings.HasPrefix(long, out.Name) {
			out.Name = long
		}
	}
	out.ForwardsTo = dockerProxyTarget(out.Cmdline)
	d.plat.fill(&r, dir, out)
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
func (f *platformFacts) fill(r *procReader, dir string, out *Process) {
	if b, err := r.read(filepath.Join(dir, "comm")); err == nil && len(b) > 0 {
		// The name as the process set it: status's Name is escaped by
		// the kernel, a newline as \n, a backslash as \\.
		out.Name = strings.TrimSuffix(string(b), "\n")
	}
	if b, err := r.read(filepath.Join(dir, "cgroup")); err == nil {
		cg := cgroupPath(b)
		out.Unit, out.UserUnit = unitOf(cg)
		out.Container = containerOf(cg)
	}
	if b, err := r.read(filepath.Join(dir, "environ")); err == nil { // the owner's and root's only
		out.SocketUnits = socketUnits(b)
	}
	if b, err := r.read(filepath.Join(dir, "stat")); err == nil {
		if st, err := parseStat(b); err == nil {
			out.PPID = st.ppid
			out.StartTicks = st.startTicks
			if !f.boot.IsZero() {
				out.Started = startTime(f.boot, st.startTicks)
			}
		}
	}
}

// procReader reads the small files of /proc/PID with plain system calls
// into one buffer: open, read, close. os.ReadFile would also stat each
// (procfs says 0 bytes) and offer it to the poller, twice the calls, for
// five files of each holder. What read returns is valid until the next
// read; the parsers copy what they keep.
type procReader struct{ buf []byte }

func (r *procReader) read(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	if r.buf == nil {
		r.buf = make([]byte, 4096)
	}
	n := 0
	for {
		if n == len(r.buf) {
			r.buf = append(r.buf, make([]byte, len(r.buf))...)
		}
		m, err := unix.Read(fd, r.buf[n:])
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		case m == 0:
			return r.buf[:n], nil
		}
		n += m
	}
}
