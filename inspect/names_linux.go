package inspect

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// OpenFiles is how many files are open on the host, the first field of
// PROC/sys/fs/file-nr: what a walk of every descriptor would read, so
// the measure of what finding holders costs.
func (s System) OpenFiles() (int, error) {
	b, err := os.ReadFile(filepath.Join(s.proc, "sys", "fs", "file-nr"))
	if err != nil {
		return 0, err
	}
	f := bytes.Fields(b)
	if len(f) == 0 {
		return 0, errors.New("parse file-nr: empty")
	}
	return strconv.Atoi(string(f[0]))
}

// Processes lists the host's processes, not kernel threads, each with
// its pid, name (comm) and user only: what a shell offers to complete a
// pid. It reads PROC/PID/stat, and the owner of PROC/PID, which is the
// process's effective uid; a process that exits meanwhile is left out.
func (s System) Processes(ctx context.Context) ([]*Process, error) {
	pids, err := listPIDs(s.proc)
	if err != nil {
		return nil, err
	}
	d := &describer{ctx: ctx, sys: s}
	var out []*Process
	for _, pid := range pids {
		dir := filepath.Join(s.proc, strconv.Itoa(int(pid)))
		b, err := os.ReadFile(filepath.Join(dir, "stat"))
		if err != nil {
			continue
		}
		st, err := parseStat(b)
		if err != nil || st.flags&pfKThread != 0 {
			continue
		}
		p := &Process{PID: pid, PPID: st.ppid, Name: statName(b)}
		if fi, err := os.Stat(dir); err == nil {
			if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
				p.UID = sys.Uid
				p.User = d.userName(p.UID)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// statName is the command name in /proc/PID/stat, between the first '('
// and the last ')'.
func statName(b []byte) string {
	i, j := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if i < 0 || j < i {
		return ""
	}
	return string(b[i+1 : j])
}
