package inspect

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Collect reads the TCP and UDP sockets the filter passes and every process
// that holds one of them. The live host's tables come from sock_diag
// netlink, only the protocols and families the filter wants, in the states
// it wants, on its ports; where netlink is refused the tables come from
// /proc/net, and Fallback says why. Any other proc root is read through its
// /proc/net files. The filter's Netns adds other network namespaces, read
// from inside (see readNetns). Holders are found by a BPF iterator on a
// big host where that is allowed, else in one parallel walk of /proc/*/fd
// (Snapshot.Walk says which; a socket's inode is unique across
// namespaces), skipped when no socket passes, and narrowed to the
// processes the filter names when it names them; with the filter's
// NoHolders, not looked for.
func (s System) Collect(ctx context.Context, f Filter) (*Snapshot, error) {
	mode, forced, err := walkMode()
	if err != nil {
		return nil, err
	}
	var (
		named []int32
		first fdScan
	)
	if len(f.PIDs) > 0 && !f.NoHolders {
		// The named processes' descriptors first: a few hundred readlinks,
		// and then the tables keep only the sockets they hold, not the
		// host's thousands (unless one of them could not be read).
		named = s.existing(f.PIDs)
		first = scanFDs(s.proc, named, nil)
		if len(first.unreadable) == 0 {
			f.held = make(map[uint64]struct{}, len(first.holders))
			for inode := range first.holders {
				f.held[inode] = struct{}{}
			}
		}
	}
	var (
		walk *holderWalk
		dnat <-chan dnatRead
	)
	if !f.NoHolders {
		dnat = s.startDNAT(f, false) // collect_netns_linux.go
		if len(f.PIDs) == 0 {
			walk = s.startHolderWalk(mode, forced) // walk_linux.go
		}
	}
	snap, found, err := s.tables(f)
	if err != nil {
		return nil, err
	}
	want := make(map[uint64]struct{})
	for _, sk := range snap.Sockets {
		if sk.Inode != 0 {
			want[sk.Inode] = struct{}{}
		}
	}
	if len(f.PIDs) > 0 && !f.NoHolders {
		for _, pid := range f.PIDs {
			if !slices.Contains(named, pid) && !slices.Contains(snap.NoSuchPIDs, pid) {
				snap.NoSuchPIDs = append(snap.NoSuchPIDs, pid)
			}
		}
		slices.Sort(snap.NoSuchPIDs)
	}
	var scan fdScan
	if len(want) > 0 && !f.NoHolders {
		if len(f.PIDs) > 0 {
			scan, snap.Searched = s.scanNamed(named, first, want)
			snap.Walk = Walk{Path: WalkProc, Why: "only the processes asked about are searched"}
		} else if scan, snap.Walk, err = walk.find(want); err != nil {
			return nil, err
		}
	}
	d := &describer{ctx: ctx, sys: s}
	d.plat.boot, _ = bootTime(s.proc)
	procs := d.describeAll(pidsOf(scan.holders))
	attach(snap.Sockets, scan.holders, procs, !f.NoHolders && (len(scan.unreadable) > 0 || s.hidepid != ""))
	snap.Unreadable = scan.unreadable
	snap.Sockets = slices.DeleteFunc(snap.Sockets, func(sk Socket) bool { return !f.MatchHeld(&sk) })
	if !f.NoHolders { // who has the sockets no process holds needs the holders first
		s.annotate(snap, f, found, len(scan.unreadable) > 0 || s.hidepid != "", dnat)
	}
	reg := s.Registry()
	for i := range snap.Sockets {
		sk := &snap.Sockets[i]
		sk.User = d.userName(sk.UID)
		sk.Port = reg.Port(sk.Local.Port(), sk.Proto)
	}
	sortSockets(snap.Sockets)
	return snap, nil
}

// tables reads the socket tables: sock_diag on the live host, /proc/net
// elsewhere or where netlink is refused; and those of the other network
// namespaces the filter's Netns names, with what was found of them.
func (s System) tables(f Filter) (*Snapshot, netnsFound, error) {
	snap := &Snapshot{Source: SourceSockDiag, Hidepid: s.hidepid}
	if f.Netns == NetnsAll && s.namedInHost(f.PIDs) {
		// The named processes' sockets are in their own namespace, whoport's:
		// no need to find every other one, a readlink per process.
		f.Netns = NetnsHost
	}
	type dump struct {
		socks []Socket
		err   error
	}
	var dumped chan dump
	if s.live && hasOwn(f.Netns) {
		// Whoport's own namespace is in these scopes: its tables are dumped
		// while the others are looked for, a readlink per process.
		dumped = make(chan dump, 1)
		go func() {
			socks, err := dumpSockDiag(f)
			dumped <- dump{socks, err}
		}()
	}
	found, host, others, err := s.planNetns(snap, f.Netns) // network namespaces (issue 11)
	if err != nil {
		return nil, found, err
	}
	if s.live && host != nil {
		var d dump
		if dumped != nil {
			d = <-dumped
		} else {
			d.socks, d.err = dumpSockDiag(f)
		}
		snap.Sockets, err = d.socks, d.err
		if err != nil {
			snap.Fallback = err.Error()
		}
	}
	if host != nil && (!s.live || err != nil) {
		snap.Source = SourceProcNet
		snap.Sockets, snap.Warnings, err = readNetTables(s.proc, &f)
		if err != nil {
			return nil, found, err
		}
	}
	for i := range snap.Sockets {
		snap.Sockets[i].Netns = host
	}
	socks, warnings := s.readOtherNetns(others, f)
	snap.Sockets = append(snap.Sockets, socks...)
	snap.Warnings = append(snap.Warnings, warnings...)
	return snap, found, nil
}

// existing gives those of pids that are processes of the proc root, sorted
// and each once.
func (s System) existing(pids []int32) []int32 {
	var out []int32
	for _, pid := range pids {
		if err := unix.Access(filepath.Join(s.proc, strconv.Itoa(int(pid))), unix.F_OK); err == nil && !slices.Contains(out, pid) {
			out = append(out, pid)
		}
	}
	slices.Sort(out)
	return out
}

// scanNamed keeps, of what the walk of the named processes found (first),
// their holdings of the sockets in want; then, for those sockets, it
// searches their parents and children too: a forked server and its
// workers, a child that inherited a socket. Those are the usual sharers,
// and reading their descriptors costs little; any other process is not
// searched, and the pids that were are returned.
func (s System) scanNamed(named []int32, first fdScan, want map[uint64]struct{}) (fdScan, []int32) {
	scan := fdScan{holders: make(map[uint64][]int32), unreadable: first.unreadable}
	for inode, ps := range first.holders {
		if _, ok := want[inode]; ok {
			scan.holders[inode] = ps
		}
	}
	if len(scan.holders) == 0 {
		return scan, named
	}
	held := make(map[uint64]struct{}, len(scan.holders))
	for inode := range scan.holders {
		held[inode] = struct{}{}
	}
	kin := s.kin(named)
	more := scanFDs(s.proc, kin, held)
	for inode, ps := range more.holders {
		scan.holders[inode] = append(scan.holders[inode], ps...)
	}
	scan.unreadable = append(slices.Clone(scan.unreadable), more.unreadable...)
	slices.Sort(scan.unreadable)
	searched := slices.Concat(named, kin)
	slices.Sort(searched)
	return scan, searched
}

// kin gives the parents and children of the processes in of, but not init
// (pid 1, whose children are every orphan) and not those in of. The
// children come from /proc/PID/task/TID/children of each of their threads
// (a few small reads), or where the kernel lacks that file
// (CONFIG_PROC_CHILDREN) from the parent pid in every process's stat.
func (s System) kin(of []int32) []int32 {
	var out []int32
	add := func(pid int32) {
		if pid > 1 && !slices.Contains(of, pid) && !slices.Contains(out, pid) {
			out = append(out, pid)
		}
	}
	for _, pid := range of {
		if st, err := readStat(s.proc, pid); err == nil {
			add(st.ppid) // the parent
		}
	}
	children, ok := s.childrenOf(of)
	if !ok {
		children = nil
		pids, _ := listPIDs(s.proc)
		for _, pid := range pids {
			if st, err := readStat(s.proc, pid); err == nil && slices.Contains(of, st.ppid) {
				children = append(children, pid)
			}
		}
	}
	for _, pid := range children {
		add(pid)
	}
	return out
}

// childrenOf reads the children of the processes in of from
// /proc/PID/task/*/children; ok is false where the kernel does not have
// those files.
func (s System) childrenOf(of []int32) (children []int32, ok bool) {
	for _, pid := range of {
		tasks, err := filepath.Glob(filepath.Join(s.proc, strconv.Itoa(int(pid)), "task", "*", "children"))
		if err != nil {
			return nil, false
		}
		if len(tasks) == 0 {
			if _, err := os.Stat(filepath.Join(s.proc, strconv.Itoa(int(pid)))); err == nil {
				return nil, false // the process is there, the files are not
			}
			continue // exited
		}
		for _, t := range tasks {
			b, err := os.ReadFile(t)
			if err != nil {
				continue
			}
			for _, f := range strings.Fields(string(b)) {
				if n, err := strconv.ParseInt(f, 10, 32); err == nil {
					children = append(children, int32(n))
				}
			}
		}
	}
	return children, true
}

// namedInHost reports whether every named process is in whoport's own
// network namespace, on the live host (a readlink each): then the
// sockets they hold are found there.
func (s System) namedInHost(pids []int32) bool {
	if len(pids) == 0 || !s.live {
		return false
	}
	own, err := readNetnsLink(filepath.Join(s.proc, "self", "ns", "net"))
	if err != nil {
		return false
	}
	for _, pid := range pids {
		ino, err := readNetnsLink(filepath.Join(s.proc, strconv.Itoa(int(pid)), "ns", "net"))
		if err != nil || ino != own {
			return false
		}
	}
	return true
}
