package inspect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/whoport/whoport/services"
)

// The walk tests hold sockets in child processes: the test binary runs
// itself again with WHOPORT_WALK_CHILD set to a mode. Each child prints
// "inode N" for the socket it holds and "ready", and holds it until its
// stdin closes. The modes run from init, where the main goroutine is
// still on the process's first thread, which the zombie mode needs.
func init() {
	mode := os.Getenv("WHOPORT_WALK_CHILD")
	if mode == "" {
		return
	}
	fail := func(err error) {
		fmt.Printf("error %v\n", err)
		os.Exit(3)
	}
	waitStdin := func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}
	switch mode {
	case "inherit": // holds the socket at fd 3, given by the test
		say(3)
	case "reuseport": // a SO_REUSEPORT listener on 127.0.0.1 at the port in WHOPORT_WALK_ARG
		port, _ := strconv.Atoi(os.Getenv("WHOPORT_WALK_ARG"))
		fd, err := listenRaw(port, true)
		if err != nil {
			fail(err)
		}
		say(fd)
		sa, _ := unix.Getsockname(fd)
		fmt.Printf("port %d\n", sa.(*unix.SockaddrInet4).Port)
	case "thread": // a thread with a descriptor table of its own holds a listener
		done := make(chan error)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread keeps its table until the process exits
			if err := unix.Unshare(unix.CLONE_FILES); err != nil {
				done <- err
				return
			}
			fd, err := listenRaw(0, false)
			if err == nil {
				say(fd)
			}
			done <- err
			select {}
		}()
		if err := <-done; err != nil {
			fail(err)
		}
	case "zombie": // the first thread exits; another holds the listener
		fd, err := listenRaw(0, false)
		if err != nil {
			fail(err)
		}
		say(fd)
		fmt.Println("ready")
		go waitStdin()
		unix.Syscall(unix.SYS_EXIT, 0, 0, 0) // this thread only: the group leader becomes a zombie
	default:
		fail(fmt.Errorf("unknown mode %q", mode))
	}
	fmt.Println("ready")
	waitStdin()
}

// say prints the inode of the socket at fd.
func say(fd int) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		fmt.Printf("error %v\n", err)
		os.Exit(3)
	}
	fmt.Printf("inode %d\n", st.Ino)
}

// listenRaw opens a TCP listener on 127.0.0.1:port with system calls
// only, so that it stays in the calling thread's descriptor table.
func listenRaw(port int, reusePort bool) (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if reusePort {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			return -1, err
		}
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return -1, err
	}
	return fd, unix.Listen(fd, 8)
}

// walkChild is a running helper and the inode of the socket it holds.
type walkChild struct {
	*helperChild
	inode uint64
}

// startWalkChild starts the test binary as a helper in mode, stopped when
// the test ends.
func startWalkChild(t *testing.T, mode, arg string, files ...*os.File) *walkChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "WHOPORT_WALK_CHILD="+mode, "WHOPORT_WALK_ARG="+arg)
	cmd.ExtraFiles = files
	cmd.Stderr = os.Stderr
	c := startHelper(t, mode, cmd)
	inode, err := strconv.ParseUint(c.said["inode"], 10, 64)
	if err != nil {
		t.Fatalf("helper %s's inode: %q", mode, c.said["inode"])
	}
	return &walkChild{c, inode}
}

// waitZombie waits until the first thread of pid has exited.
func waitZombie(t *testing.T, pid int32) {
	t.Helper()
	for range 500 {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			t.Fatal(err)
		}
		if i := bytes.LastIndexByte(b, ')'); i > 0 && bytes.HasPrefix(b[i:], []byte(") Z")) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("pid %d: the first thread did not exit", pid)
}

// needBPF skips the test where the BPF path may not run.
func needBPF(t testing.TB) {
	t.Helper()
	s, err := Open("/proc")
	if err != nil {
		t.Fatal(err)
	}
	if _, why := s.bpfRefusal(WalkBPF); why != "" {
		t.Skipf("the BPF path may not run here: %s", why)
	}
}

// skipIfRefused skips the test if err says the kernel refused the
// iterators (no BTF for them, or not permitted), and fails it on any
// other error.
func skipIfRefused(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, errors.ErrUnsupported) || errors.Is(err, unix.EPERM) {
		t.Skipf("the kernel refuses the iterator: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestWalksAgree finds the holders of the same sockets both ways: a
// listener shared by two processes, a SO_REUSEPORT pair (two sockets on
// one port), and where /proc/PID/fd cannot see them, a listener in a
// thread's own descriptor table and one held by the threads of a zombie
// group leader. Both ways must name the same holders, except that only
// the iterator sees the last two, and names their process.
func TestWalksAgree(t *testing.T) {
	needBPF(t)
	fd, err := listenRaw(0, false)
	if err != nil {
		t.Fatal(err)
	}
	shared := os.NewFile(uintptr(fd), "shared listener")
	a := startWalkChild(t, "inherit", "", shared)
	b := startWalkChild(t, "inherit", "", shared)
	shared.Close() // only the children hold it now
	r1 := startWalkChild(t, "reuseport", "0")
	r2 := startWalkChild(t, "reuseport", r1.said["port"])
	thread := startWalkChild(t, "thread", "")
	zombie := startWalkChild(t, "zombie", "")
	waitZombie(t, zombie.pid)

	if a.inode != b.inode || r1.inode == r2.inode {
		t.Fatalf("inodes: sharers %d and %d, reuseport pair %d and %d", a.inode, b.inode, r1.inode, r2.inode)
	}
	want := map[uint64]struct{}{a.inode: {}, r1.inode: {}, r2.inode: {}, thread.inode: {}, zombie.inode: {}}
	pids, err := listPIDs("/proc")
	if err != nil {
		t.Fatal(err)
	}
	viaProc := scanFDs("/proc", pids, want)
	// One iterator over every process, and one per process on two workers.
	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d workers", workers), func(t *testing.T) {
			viaBPF, err := scanFDsBPFOn("/proc", want, workers)
			skipIfRefused(t, err)
			walksAgree(t, viaProc, viaBPF, a, b, r1, r2, thread, zombie)
		})
	}
}

// walksAgree compares the holders the two walks found of the children's
// sockets.
func walksAgree(t *testing.T, viaProc, viaBPF fdScan, a, b, r1, r2, thread, zombie *walkChild) {
	t.Helper()
	// What neither could see: processes whose descriptors are unreadable,
	// or that the kernel hides from the iterators (pid 1 in some sandboxes).
	if !slices.Equal(viaBPF.unreadable, viaProc.unreadable) {
		t.Errorf("unreadable: bpf %v, /proc %v", viaBPF.unreadable, viaProc.unreadable)
	}
	// The /proc walk gives a pid for each descriptor; Collect folds them.
	sorted := func(pids []int32) []int32 { return slices.Compact(slices.Sorted(slices.Values(pids))) }
	for _, c := range []struct {
		name       string
		inode      uint64
		want       []int32
		procSeesIt bool
	}{
		{"shared listener", a.inode, sorted([]int32{a.pid, b.pid}), true},
		{"first of the reuseport pair", r1.inode, []int32{r1.pid}, true},
		{"second of the reuseport pair", r2.inode, []int32{r2.pid}, true},
		{"thread with its own table", thread.inode, []int32{thread.pid}, false},
		{"zombie leader's threads", zombie.inode, []int32{zombie.pid}, false},
	} {
		if got := sorted(viaBPF.holders[c.inode]); !slices.Equal(got, c.want) {
			t.Errorf("%s: bpf got holders %v, want %v", c.name, got, c.want)
		}
		wantProc := c.want
		if !c.procSeesIt {
			wantProc = nil
		}
		if got := sorted(viaProc.holders[c.inode]); !slices.Equal(got, wantProc) {
			t.Errorf("%s: /proc got holders %v, want %v", c.name, got, wantProc)
		}
	}
}

// TestCollectWalk checks that Collect says which path ran, and why.
func TestCollectWalk(t *testing.T) {
	needBPF(t)
	fd, err := listenRaw(0, false)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	sa, _ := unix.Getsockname(fd)
	port := uint16(sa.(*unix.SockaddrInet4).Port)
	for _, c := range []struct {
		walk string
		want Walk
	}{
		{WalkBPF, Walk{Path: WalkBPF, Why: "WHOPORT_WALK=bpf"}},
		{WalkProc, Walk{Path: WalkProc, Why: "WHOPORT_WALK=proc"}},
	} {
		tcp := func(s *Socket) bool { return s.Proto == services.TCP } // the port is the kernel's for TCP only
		sys, err := Open("/proc")
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv("WHOPORT_WALK", c.walk)
		snap, err := sys.Collect(context.Background(), Filter{Ports: []PortRange{{port, port}}, Keep: tcp})
		if err != nil {
			t.Fatal(err)
		}
		if snap.Walk != c.want {
			t.Errorf("walk %s: got %+v, want %+v", c.walk, snap.Walk, c.want)
		}
		if len(snap.Sockets) != 1 || len(snap.Sockets[0].Holders) != 1 || snap.Sockets[0].Holders[0].PID != int32(os.Getpid()) {
			t.Errorf("walk %s: got sockets %v, want one held by us (%d)", c.walk, snap.Sockets, os.Getpid())
		}
	}
}

// BenchmarkLoadBPF measures the fixed cost of the BPF path, as each run of
// whoport pays it: decoding the kernel's BTF, loading the programs and a
// map of 16 wanted sockets, and attaching the iterator.
func BenchmarkLoadBPF(b *testing.B) {
	needBPF(b)
	want := make(map[uint64]struct{})
	for i := range 16 {
		want[uint64(i)] = struct{}{}
	}
	for b.Loop() {
		raw, err := readKernelBTF("/sys/kernel/btf/vmlinux") // as a new process reads it
		if err != nil {
			b.Fatal(err)
		}
		if _, err := parseBTF(raw); err != nil {
			b.Fatal(err)
		}
		unix.Munmap(raw) // where it was mapped; a read copy is not, and says EINVAL
		objs, err := loadHolderIters(want)
		if err != nil {
			b.Fatal(err)
		}
		fd, err := openIterFor(objs.holders, 0)
		if err != nil {
			b.Fatal(err)
		}
		unix.Close(fd)
		objs.Close()
	}
}

// TestLoaderMatchesCilium: whoport's loader gives the kernel the programs
// cilium/ebpf's would: the kernel's own rendering of each (after the
// verifier) is the same, but for the id of the map it loads.
func TestLoaderMatchesCilium(t *testing.T) {
	needBPF(t)
	objs, err := loadHolderIters(map[uint64]struct{}{1: {}})
	skipIfRefused(t, err)
	defer objs.Close()
	spec, err := ebpf.LoadCollectionSpecFromReader(bytes.NewReader(holdersELF))
	if err != nil {
		t.Fatal(err)
	}
	coll, err := ebpf.NewCollection(spec)
	if err != nil {
		t.Fatalf("cilium/ebpf: %v", err)
	}
	defer coll.Close()
	for name, fd := range map[string]int{"holders": objs.holders, "tasks": objs.tasks} {
		dup, err := unix.Dup(fd)
		if err != nil {
			t.Fatal(err)
		}
		ours, err := ebpf.NewProgramFromFD(dup)
		if err != nil {
			t.Fatal(err)
		}
		defer ours.Close()
		got, want := xlated(t, ours), xlated(t, coll.Programs[name])
		if len(got) == 0 || !slices.Equal(got, want) {
			t.Errorf("%s as whoport loads it:\n%s\nas cilium/ebpf does:\n%s", name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// xlated is the program as the kernel shows it, an instruction a line,
// without the ids of maps.
func xlated(t *testing.T, p *ebpf.Program) []string {
	t.Helper()
	info, err := p.Info()
	if err != nil {
		t.Fatal(err)
	}
	insns, err := info.Instructions()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, in := range insns {
		if in.IsLoadFromMap() {
			in.Constant = 0
		}
		out = append(out, fmt.Sprintf("%v %v %v %d %d", in.OpCode, in.Dst, in.Src, in.Offset, in.Constant))
	}
	return out
}

// TestIterPerProcess: the kernel is asked to iterate one process's
// threads where it can (Linux 6.1), and whoport knows when it can: a
// kernel that ignored the pid would walk every process once for each.
func TestIterPerProcess(t *testing.T) {
	needBPF(t)
	objs, err := loadHolderIters(map[uint64]struct{}{1: {}})
	skipIfRefused(t, err)
	defer objs.Close()
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatal(err)
	}
	release := unix.ByteSliceToString(u.Release[:])
	var major, minor int
	if _, err := fmt.Sscanf(release, "%d.%d", &major, &minor); err != nil {
		t.Fatalf("kernel release %q: %v", release, err)
	}
	want := major > 6 || (major == 6 && minor >= 1)
	if got := iterPerProcess(objs.tasks); got != want {
		t.Errorf("kernel %s: iterPerProcess = %v, want %v", release, got, want)
	}
	if !want {
		return
	}
	// A process that exits between the listing and its iterator is
	// skipped, not an error that would send the whole walk to /proc.
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	err = readIterEach(objs.holders, []int32{int32(gone.Process.Pid), int32(os.Getpid())}, 2, func([]byte) {})
	if err != nil {
		t.Errorf("a pid that exited: %v", err)
	}
}

// TestCompleteEarly: a socket that an early walk could not have seen (it
// was made after the walk passed its holder) is looked for again before
// it is left without a holder; the others keep what the walk found.
func TestCompleteEarly(t *testing.T) {
	s, err := Open("/proc")
	if err != nil {
		t.Fatal(err)
	}
	seen := startWalkChild(t, "reuseport", "0")
	late := startWalkChild(t, "reuseport", "0")
	// The early walk as it would be had late's socket come after it.
	early := earlyWalk{scan: fdScan{holders: map[uint64][]int32{seen.inode: {seen.pid}}}}
	scan := s.completeEarly(early, map[uint64]struct{}{seen.inode: {}, late.inode: {}})
	if got := scan.holders[seen.inode]; !slices.Equal(got, []int32{seen.pid}) {
		t.Errorf("socket the walk saw: holders %v, want [%d]", got, seen.pid)
	}
	if got := scan.holders[late.inode]; !slices.Equal(got, []int32{late.pid}) {
		t.Errorf("socket made after the walk: holders %v, want [%d]", got, late.pid)
	}
	if len(scan.holders) != 2 {
		t.Errorf("holders of %d sockets, want the 2 asked about: %v", len(scan.holders), scan.holders)
	}
}

// TestLoadInterrupted: the verifier gives up with EAGAIN when a signal
// reaches the loading thread (the Go runtime sends SIGURG to preempt), and
// the load must try again rather than fall back to /proc. Here the thread
// gets a SIGURG every 20 µs or so; without the retry, one load in a few
// fails.
func TestLoadInterrupted(t *testing.T) {
	needBPF(t)
	want := map[uint64]struct{}{1: {}}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pid, tid := unix.Getpid(), unix.Gettid()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				unix.Tgkill(pid, tid, unix.SIGURG)
				time.Sleep(20 * time.Microsecond)
			}
		}
	}()
	defer func() { close(stop); <-done }()
	for range 100 {
		h, err := loadHolderIters(want)
		skipIfRefused(t, err)
		h.Close()
	}
}

// TestRaiseMemlock: a low RLIMIT_MEMLOCK (as kernels before 5.11 charged
// BPF memory to it) is raised as far as the process may, once.
func TestRaiseMemlock(t *testing.T) {
	var was unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &was); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &was); err != nil {
			t.Errorf("restore RLIMIT_MEMLOCK: %v", err)
		}
	})
	if was.Max <= 64<<10 {
		t.Skipf("RLIMIT_MEMLOCK's hard limit is %d: nothing to raise it to", was.Max)
	}
	if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &unix.Rlimit{Cur: 64 << 10, Max: was.Max}); err != nil {
		t.Fatal(err)
	}
	if !raiseMemlock() {
		t.Fatal("raiseMemlock did not raise a soft limit of 64 KB")
	}
	var now unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &now); err != nil {
		t.Fatal(err)
	}
	if now.Cur < was.Max { // no limit with CAP_SYS_RESOURCE, else the hard limit
		t.Errorf("RLIMIT_MEMLOCK is %d after raiseMemlock, want %d or more", now.Cur, was.Max)
	}
	if raiseMemlock() {
		t.Error("raiseMemlock raised the limit twice")
	}
}

// TestBPFStackMoves: the addresses bpf(2) reads inside its attributes
// stay right when the goroutine's stack moves (Go copies a stack that
// grows). Run again with GODEBUG=efence=1, which unmaps every stack left
// behind: an address that went stale makes the kernel say EFAULT. Each
// call is made from a new goroutine at depths that make it grow at
// different points.
func TestBPFStackMoves(t *testing.T) {
	needBPF(t)
	if !strings.Contains(os.Getenv("GODEBUG"), "efence=1") {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBPFStackMoves$", "-test.count=1")
		cmd.Env = append(os.Environ(), "GODEBUG=efence=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("with GODEBUG=efence=1: %v\n%s", err, out)
		}
		return
	}
	h, err := loadHolderIters(map[uint64]struct{}{1: {}})
	skipIfRefused(t, err)
	defer h.Close()
	self := uint32(os.Getpid())
	for depth := range 300 {
		for _, call := range []func() error{
			func() error { // a pointer to an array on the stack
				fd, err := openIterFor(h.tasks, self)
				if err == nil {
					unix.Close(fd)
				}
				return err
			},
			func() error { return putKeys(h.wanted, []uint64{1}) }, // a slice on the stack
		} {
			errc := make(chan error)
			go func() { errc <- atDepth(depth, call) }()
			if err := <-errc; err != nil {
				t.Fatalf("at depth %d: %v", depth, err)
			}
		}
	}
}

// atDepth calls f under n frames of its own.
//
//go:noinline
func atDepth(n int, f func() error) error {
	var pad [64]byte
	pad[n%len(pad)] = byte(n)
	if n == 0 {
		return f()
	}
	err := atDepth(n-1, f)
	runtime.KeepAlive(&pad)
	return err
}
