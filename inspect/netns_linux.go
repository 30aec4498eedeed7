package inspect

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// netnsDirs are where namespaces are kept open by a file, relative to the
// root of the filesystem the proc root belongs to: ip netns and podman
// use the first, docker the second (which ip netns does not list).
var netnsDirs = []string{"run/netns", "var/run/docker/netns"}

// hostPath gives a path of the host the proc root belongs to: the
// sibling of /proc for the live host ("/run/netns"), and of the host's
// /proc mounted elsewhere ("/host/proc" → "/host/run/netns").
func (s System) hostPath(rel string) string {
	return filepath.Join(filepath.Dir(filepath.Clean(s.proc)), rel)
}

// readNetnsLink reads a link such as /proc/PID/ns/net, "net:[4026531840]",
// and gives its inode.
func readNetnsLink(p string) (uint64, error) {
	link, err := os.Readlink(p)
	if err != nil {
		return 0, err
	}
	return parseNetnsLink(link)
}

func parseNetnsLink(link string) (uint64, error) {
	n, ok := strings.CutPrefix(link, "net:[")
	if n, ok2 := strings.CutSuffix(n, "]"); ok && ok2 {
		return strconv.ParseUint(n, 10, 64)
	}
	return 0, fmt.Errorf("not a network namespace: %q", link)
}

// netnsFile gives the inode of a namespace file such as /run/netns/NAME:
// the namespace bind-mounted there. A fixture may write it as a link to
// net:[N].
func netnsFile(p string) (uint64, error) {
	if link, err := os.Readlink(p); err == nil {
		return parseNetnsLink(link)
	}
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		return 0, err
	}
	var fs unix.Statfs_t
	if err := unix.Statfs(p, &fs); err != nil || fs.Type != unix.NSFS_MAGIC {
		return 0, fmt.Errorf("%s: not a namespace (nothing is mounted on it)", p)
	}
	return st.Ino, nil
}

// netnsFound is what a search of the host for network namespaces found.
type netnsFound struct {
	host   *Netns
	others []*Netns // sorted by name
	// unknown lists processes whose namespace could not be read.
	unknown []int32
	// searched reports that the other namespaces were looked for, not
	// only the host's.
	searched bool
	// names are the containers' names read for the search, for the
	// holders' containers after it.
	names *containerNames
}

// findNetns finds the network namespaces: whoport's own (the proc root's
// self), one per distinct inode among the processes' /proc/PID/ns/net,
// and those kept open in netnsDirs. With all false it stops at the
// host's. Names come from the containers of the processes inside
// (cgroup, then the runtime's files for the name), the file's name, or
// the inode.
func (s System) findNetns(all bool) (netnsFound, error) {
	found := netnsFound{searched: all, names: &containerNames{sys: s}}
	hostIno, _ := readNetnsLink(filepath.Join(s.proc, "self", "ns", "net"))
	found.host = &Netns{Inode: hostIno, Host: true, Name: NetnsHost, PID: int32(os.Getpid())}
	if !s.live {
		found.host.PID = 0
	}
	if !all {
		return found, nil
	}
	pids, err := listPIDs(s.proc)
	if err != nil {
		return found, err
	}
	slices.Sort(pids)
	byIno := map[uint64]*Netns{}
	members := map[uint64][]int32{}
	for _, pid := range pids {
		ino, err := readNetnsLink(filepath.Join(s.proc, strconv.Itoa(int(pid)), "ns", "net"))
		if err != nil {
			if !vanished(err) && !isKernelThread(s.proc, pid) {
				found.unknown = append(found.unknown, pid)
			}
			continue
		}
		if ino == hostIno && hostIno != 0 {
			continue
		}
		if byIno[ino] == nil {
			byIno[ino] = &Netns{Inode: ino, PID: pid}
		}
		members[ino] = append(members[ino], pid)
	}
	for _, dir := range netnsDirs {
		dir = s.hostPath(dir)
		names, _ := os.ReadDir(dir) // missing: no namespaces kept there
		for _, e := range names {
			p := filepath.Join(dir, e.Name())
			ino, err := netnsFile(p)
			if err != nil || (ino == hostIno && hostIno != 0) {
				continue
			}
			if byIno[ino] == nil {
				byIno[ino] = &Netns{Inode: ino}
			}
			if byIno[ino].Path == "" {
				byIno[ino].Path = p
			}
		}
	}
	for ino, n := range byIno {
		n.Container = s.containerIn(members[ino], found.names)
		n.Name = n.name()
		found.others = append(found.others, n)
	}
	slices.SortFunc(found.others, func(a, b *Netns) int { return strings.Compare(a.Name, b.Name) })
	return found, nil
}

// containerIn gives the container of the first of pids (at most a few
// are read) that runs in one, a pod's sandbox first.
func (s System) containerIn(pids []int32, names *containerNames) *Container {
	for i, pid := range pids {
		if i == 8 {
			break
		}
		b, err := os.ReadFile(filepath.Join(s.proc, strconv.Itoa(int(pid)), "cgroup"))
		if err != nil {
			continue
		}
		if c := containerOf(cgroupPath(b)); c != nil {
			c.Name = names.of(c)
			return c
		}
	}
	return nil
}

// scope picks the namespaces a Filter.Netns scope names; a pid names the
// namespace its process is in.
func (s System) scope(found netnsFound, scope string) ([]*Netns, error) {
	all := append([]*Netns{found.host}, found.others...)
	if pid, err := strconv.ParseInt(scope, 10, 32); err == nil && pid > 0 {
		ino, err := readNetnsLink(filepath.Join(s.proc, scope, "ns", "net"))
		if err != nil {
			return nil, fmt.Errorf("network namespace of pid %d: %w", pid, err)
		}
		for _, n := range all {
			if n.Inode == ino {
				return []*Netns{n}, nil
			}
		}
	}
	var out []*Netns
	for _, n := range all {
		if n.matchesScope(scope) {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		e := &ScopeError{Scope: scope}
		for _, n := range found.others {
			e.Known = append(e.Known, n.Name)
		}
		return nil, e
	}
	return out, nil
}

// readNetns reads the TCP and UDP tables of another network namespace
// that the filter passes: on the live host by sock_diag from inside it,
// else (or when entering is refused) from the /proc/PID/net files of a
// process in it, which give the tables of that process's namespace, and
// the lines of them that do not parse. When neither can be read, it says
// why in n.Skipped: on the live host why entering failed, else why the
// files could not be read.
func (s System) readNetns(n *Netns, f Filter) (socks []Socket, warnings []string) {
	if f.OthersListening {
		f.Listening = true
	}
	err := errors.New("no way in")
	if s.live {
		socks, err = dumpSockDiagOn(func() (int, error) { return netlinkIn(s.netnsHandle(n), unix.NETLINK_SOCK_DIAG) }, f)
	}
	if err != nil && n.PID != 0 {
		var werr error
		socks, warnings, werr = readNetTables(filepath.Join(s.proc, strconv.Itoa(int(n.PID))), &f)
		switch {
		case werr == nil:
			err = nil
		case !s.live || vanished(werr):
			err = werr
		}
	}
	if err != nil && n.Path == "" && vanished(err) {
		return nil, nil // its last process exited while we looked: the namespace is gone, and its sockets with it
	}
	if err != nil {
		n.Skipped = fmt.Sprintf("could not be read (%v)", err)
		if errors.Is(err, unix.EPERM) {
			n.Skipped = "entering it needs root (CAP_SYS_ADMIN)"
		}
		return nil, nil
	}
	for i := range socks {
		socks[i].Netns = n
	}
	return socks, warnings
}

// netnsHandle is the file that refers to the namespace n: its bind mount,
// which outlives any one process in it, else a process's ns/net.
func (s System) netnsHandle(n *Netns) string {
	if n.Path != "" {
		return n.Path
	}
	return filepath.Join(s.proc, strconv.Itoa(int(n.PID)), "ns", "net")
}

// readOtherNetns reads the tables of the namespaces other than the
// host's, a few at a time, and the lines of them that do not parse.
func (s System) readOtherNetns(nss []*Netns, f Filter) (socks []Socket, warnings []string) {
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, 2*runtime.GOMAXPROCS(0))
	)
	for _, n := range nss {
		if n.Host {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			got, warned := s.readNetns(n, f)
			mu.Lock()
			socks = append(socks, got...)
			warnings = append(warnings, warned...)
			mu.Unlock()
			<-sem
		}()
	}
	wg.Wait()
	return socks, warnings
}

// netlinkIn opens a netlink socket of the protocol inside the network
// namespace that the file at handle refers to (/proc/PID/ns/net or
// /run/netns/NAME). A socket stays in the namespace it was made in, so
// only the opening needs the namespace: it is done on a locked OS thread
// that enters the namespace and returns to its own. A thread that cannot
// return is left locked, and dies with its goroutine, so that no other
// code ever runs in the wrong namespace.
func netlinkIn(handle string, proto int) (int, error) {
	type result struct {
		fd  int
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		fd, restored, err := netlinkInLocked(handle, proto)
		if restored {
			runtime.UnlockOSThread()
		}
		ch <- result{fd, err}
	}()
	r := <-ch
	return r.fd, r.err
}

// netlinkInLocked does netlinkIn's work on the locked thread; restored
// reports that the thread is back in its own namespace.
func netlinkInLocked(handle string, proto int) (fd int, restored bool, err error) {
	own, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, true, fmt.Errorf("open own network namespace: %w", err)
	}
	defer unix.Close(own)
	target, err := unix.Open(handle, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, true, fmt.Errorf("open network namespace: %w", err)
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		return -1, true, fmt.Errorf("enter network namespace: %w", err) // still in its own
	}
	fd, err = unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, proto)
	if rerr := unix.Setns(own, unix.CLONE_NEWNET); rerr != nil {
		if err == nil {
			unix.Close(fd)
		}
		return -1, false, fmt.Errorf("return to own network namespace: %w", rerr)
	}
	if err != nil {
		return -1, true, fmt.Errorf("open netlink socket in network namespace: %w", err)
	}
	return fd, true, nil
}
