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
		if uid, ok := s.ownerOf(dir); ok {
			p.UID = uid
			p.User = d.userName(p.UID)
		}
		out = append(out, p)
	}
	return out, nil
}

// ownerOf gives the effective uid of the process in dir: on the live
// host the owner of PROC/PID, which the kernel makes it (one stat, no
// read); elsewhere (a fixture, whose files belong to whoever made them)
// the Uid line of PROC/PID/status.
func (s System) ownerOf(dir string) (uint32, bool) {
	if !s.live {
		b, err := os.ReadFile(filepath.Join(dir, "status"))
		if err != nil {
			return 0, false
		}
		_, uid, ok := parseStatus(b)
		return uid, ok
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return 0, false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return st.Uid, true
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
