package inspect

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// breakEvenFiles is the host size, in open files, from which the BPF
// iterator finds holders sooner than the /proc walk. Loading it costs
// about 2 ms a run (reading the object, indexing the kernel's BTF, the
// verifier, the tasks iterator); then it costs about 0.2 µs a descriptor,
// the /proc walk 2 µs. Measured whole-process on a 2-core machine, port
// queries: at 1,900 open files the two paths take the same time (README,
// "Finding holders with BPF").
const breakEvenFiles = 2000

// holderWalk is the way holders are to be found, chosen before the tables
// are read: when it is the BPF iterator, the kernel's BTF is read and
// indexed meanwhile, on another core.
type holderWalk struct {
	s   System
	bpf bool   // the BPF iterator may run, and pays off
	why string // why the path that runs was taken, or why BPF was not
	// early is the /proc walk of every socket, started beside the tables
	// on a small host (see earlyWalkFiles).
	early <-chan earlyWalk
}

// earlyWalk is what a /proc walk of every process found of every socket.
type earlyWalk struct {
	scan fdScan
	err  error
}

// earlyWalkFiles is the host size, in open files, under which the /proc
// walk starts with the tables instead of after them and looks at every
// socket, not only those the tables kept: it then costs about what the
// walk would anyway (a readlink per descriptor), and runs on a core of
// its own while the kernel dumps the tables.
const earlyWalkFiles = 2000

// startHolderWalk chooses how holders will be found in mode (of walkMode,
// forced naming who asked for it): by the BPF iterator where it is allowed
// and pays off, else by walking /proc.
func (s System) startHolderWalk(mode, forced string) *holderWalk {
	w := &holderWalk{s: s, why: forced}
	files := 0 // open files on the host, counted in auto mode
	if mode != WalkProc {
		var why string
		if files, why = s.bpfRefusal(mode); why != "" {
			w.why = why
		} else {
			w.bpf = true
			if mode == WalkAuto {
				w.why = fmt.Sprintf("%d open files, over %d", files, breakEvenFiles)
			}
			prefetchKernelBTF()
		}
	}
	if !w.bpf && s.live {
		if files == 0 {
			files, _ = s.OpenFiles()
		}
		if files > 0 && files < earlyWalkFiles {
			ch := make(chan earlyWalk, 1)
			go func() {
				pids, err := listPIDs(s.proc)
				ch <- earlyWalk{scanFDs(s.proc, pids, nil), err}
			}()
			w.early = ch
		}
	}
	return w
}

// find finds which processes hold the sockets in want, and says which
// path ran and why the other was not taken. A BPF load that fails falls
// back to /proc: the failure is only recorded in Why.
func (w *holderWalk) find(want map[uint64]struct{}) (fdScan, Walk, error) {
	if len(want) == 0 {
		return fdScan{}, Walk{}, nil
	}
	why := w.why
	if w.bpf {
		scan, err := scanFDsBPF(w.s.proc, want)
		if err == nil {
			return scan, Walk{Path: WalkBPF, Why: why}, nil
		}
		why = "bpf failed: " + strings.Join(strings.Fields(err.Error()), " ")
		if errors.Is(err, unix.EPERM) { // CAP_BPF or CAP_PERFMON missing, or a security module
			why = "bpf refused: operation not permitted"
		}
	}
	if w.early != nil {
		if e := <-w.early; e.err == nil {
			return w.s.completeEarly(e, want), Walk{Path: WalkProc, Why: why}, nil
		}
	}
	pids, err := listPIDs(w.s.proc)
	if err != nil {
		return fdScan{}, Walk{}, fmt.Errorf("list processes in %s: %w", w.s.proc, err)
	}
	return scanFDs(w.s.proc, pids, want), Walk{Path: WalkProc, Why: why}, nil
}

// completeEarly keeps, of an early walk, the holders of the sockets in
// want. A socket made after the walk passed its holder, and before the
// tables were read, would have none: the sockets left without one are
// looked for again, in a walk for them alone, before anything is
// concluded of them (that the kernel holds them, or a hidden process).
func (s System) completeEarly(e earlyWalk, want map[uint64]struct{}) fdScan {
	scan := fdScan{holders: make(map[uint64][]int32, len(want)), unreadable: e.scan.unreadable}
	missing := make(map[uint64]struct{})
	for inode := range want {
		if ps, ok := e.scan.holders[inode]; ok {
			scan.holders[inode] = ps
		} else {
			missing[inode] = struct{}{}
		}
	}
	if len(missing) == 0 {
		return scan
	}
	pids, err := listPIDs(s.proc)
	if err != nil {
		return scan
	}
	again := scanFDs(s.proc, pids, missing)
	for inode, ps := range again.holders {
		scan.holders[inode] = ps
	}
	scan.unreadable = slices.Compact(slices.Sorted(slices.Values(slices.Concat(scan.unreadable, again.unreadable))))
	return scan
}

// walkMode is WHOPORT_WALK's mode, auto if unset; forced says who asked
// for a mode other than auto.
func walkMode() (mode, forced string, err error) {
	switch mode := os.Getenv("WHOPORT_WALK"); mode {
	case "", WalkAuto:
		return WalkAuto, "", nil
	case WalkBPF, WalkProc:
		return mode, "WHOPORT_WALK=" + mode, nil
	default:
		return "", "", fmt.Errorf("invalid WHOPORT_WALK %q: use auto, bpf or proc", mode)
	}
}

// bpfRefusal says why the BPF path may not or should not run, or "" when
// it may; in auto mode it also wants a host big enough, and gives the
// count of open files it saw. The checks cost a statfs and three
// readlinks, a system call, one small file and a stat.
func (s System) bpfRefusal(mode string) (files int, why string) {
	if !initialPIDs(s.proc) {
		return 0, "the proc root is not the procfs of the initial pid namespace"
	}
	if !haveCaps(capBPF, capPerfmon) {
		return 0, "no CAP_BPF and CAP_PERFMON"
	}
	if !initialUsers(s.proc) {
		return 0, "not in the initial user namespace, where CAP_BPF counts"
	}
	if mode == WalkAuto {
		files, _ = s.OpenFiles() // 0 when it cannot tell: then the /proc walk
		if files < breakEvenFiles {
			return files, fmt.Sprintf("%d open files, under %d", files, breakEvenFiles)
		}
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		return files, "no kernel BTF (/sys/kernel/btf/vmlinux)"
	}
	return files, ""
}

// Capabilities the BPF iterator needs (linux/capability.h): CAP_BPF to
// load it, CAP_PERFMON for the kernel pointers it reads.
const (
	capPerfmon = 38
	capBPF     = 39
)

// haveCaps reports whether all of caps are in our effective set (capget(2)).
func haveCaps(caps ...uint) bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	for _, c := range caps {
		if data[c/32].Effective&(1<<(c%32)) == 0 {
			return false
		}
	}
	return true
}

// initPIDNamespace is the inode of the initial pid namespace
// (PROC_PID_INIT_INO in linux/proc_ns.h), fixed since Linux 3.8.
const initPIDNamespace = 0xEFFFFFFC

// initialPIDs reports whether proc is a procfs that numbers processes as
// the initial pid namespace does, as the iterator does: it is mounted for
// our own pid namespace (its "self" is our pid), and that namespace is the
// initial one. (Pid 1's namespace would tell for any procfs, but a sandbox
// may hide it even from root.)
func initialPIDs(proc string) bool {
	var fs unix.Statfs_t
	if err := unix.Statfs(proc, &fs); err != nil || fs.Type != unix.PROC_SUPER_MAGIC {
		return false
	}
	self, err := os.Readlink(filepath.Join(proc, "self"))
	if err != nil || self != strconv.Itoa(os.Getpid()) {
		return false
	}
	ns, err := os.Readlink(filepath.Join(proc, "self", "ns", "pid"))
	return err == nil && ns == "pid:["+strconv.FormatUint(initPIDNamespace, 10)+"]"
}

// initUserNamespace is the inode of the initial user namespace
// (PROC_USER_INIT_INO in linux/proc_ns.h).
const initUserNamespace = 0xEFFFFFFD

// initialUsers reports whether we run in the initial user namespace: the
// capabilities of any other do not let a process load BPF programs.
func initialUsers(proc string) bool {
	ns, err := os.Readlink(filepath.Join(proc, "self", "ns", "user"))
	return err == nil && ns == "user:["+strconv.FormatUint(initUserNamespace, 10)+"]"
}
