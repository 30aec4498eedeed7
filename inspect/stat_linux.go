package inspect

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// pfKThread is the kernel's PF_KTHREAD process flag.
const pfKThread = 0x00200000

// procStat holds the fields of /proc/PID/stat that gopsutil does not give
// exactly: the start time in ticks (gopsutil rounds it to seconds) and the
// process flags.
type procStat struct {
	ppid       int32
	flags      uint64
	startTicks uint64
}

// readStat reads /proc/PID/stat.
func readStat(proc string, pid int32) (procStat, error) {
	b, err := os.ReadFile(filepath.Join(proc, strconv.Itoa(int(pid)), "stat"))
	if err != nil {
		return procStat{}, err
	}
	return parseStat(b)
}

// parseStat parses "pid (comm) state ppid ... flags ... starttime ...". The
// command name may hold spaces and parentheses, so fields are counted from
// the last ')'.
func parseStat(b []byte) (procStat, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, errors.New("parse stat: no command name")
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); starttime is field 22.
	if len(f) < 20 {
		return procStat{}, fmt.Errorf("parse stat: %d fields after the name, want at least 20", len(f))
	}
	ppid, err1 := strconv.ParseInt(f[1], 10, 32)
	flags, err2 := strconv.ParseUint(f[6], 10, 64)
	start, err3 := strconv.ParseUint(f[19], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return procStat{}, fmt.Errorf("parse stat: %w", err)
	}
	return procStat{ppid: int32(ppid), flags: flags, startTicks: start}, nil
}

// bootTime reads the boot time, the "btime" line of /proc/stat.
func bootTime(proc string) (time.Time, error) {
	b, err := os.ReadFile(filepath.Join(proc, "stat"))
	if err != nil {
		return time.Time{}, err
	}
	_, v, ok := bytes.Cut(append([]byte("\n"), b...), []byte("\nbtime "))
	if !ok {
		return time.Time{}, errors.New("parse stat: no btime")
	}
	v, _, _ = bytes.Cut(v, []byte("\n"))
	s, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse btime: %w", err)
	}
	return time.Unix(s, 0), nil
}

// startTime converts a start time in clock ticks after boot to a time.
func startTime(boot time.Time, ticks uint64) time.Time {
	return boot.Add(time.Duration(ticks) * (time.Second / userHZ))
}
