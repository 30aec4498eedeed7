package inspect

//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -cc clang -cflags "-O2 -g -Wall -Werror" -target bpfel,bpfeb -tags linux -go-package inspect -output-stem walk_bpf holders bpf/holders.c
//go:generate rm walk_bpf_bpfel.go walk_bpf_bpfeb.go

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// holderSize is the size of struct holder in bpf/holders.c.
const holderSize = 24

// scanFDsBPF finds the holders of the sockets in want with the holders
// iterator (bpf/holders.c): the kernel walks every descriptor table and
// writes out only the wanted sockets, each with its thread group id, the
// pid in the initial pid namespace. Unlike the /proc walk it also sees a
// thread's own descriptor table (unshare(CLONE_FILES)) and the threads of
// a zombie group leader; their sockets are the process's.
//
// The processes of proc that the kernel did not show the iterators (a
// sandbox may hide some) are the unreadable ones, as those whose
// /proc/PID/fd cannot be read are for the /proc walk: the holder of a
// socket left without one may be among them.
func scanFDsBPF(proc string, want map[uint64]struct{}) (fdScan, error) {
	return scanFDsBPFOn(proc, want, runtime.GOMAXPROCS(0))
}

// scanFDsBPFOn is scanFDsBPF reading the iterator on workers goroutines,
// one process at a time, where the kernel can; with one worker, or where
// it cannot, one iterator walks every process.
func scanFDsBPFOn(proc string, want map[uint64]struct{}, workers int) (fdScan, error) {
	objs, err := loadHolderIters(want)
	if err != nil {
		return fdScan{}, err
	}
	defer objs.Close()
	pids, err := listPIDs(proc) // before the iterators: a process they miss was there all along
	if err != nil {
		return fdScan{}, err
	}
	holders := make(map[uint64][]int32, len(want))
	add := func(r []byte) {
		ino, tgid := binary.NativeEndian.Uint64(r), int32(binary.NativeEndian.Uint32(r[8:]))
		if !slices.Contains(holders[ino], tgid) { // a process's threads may have tables of their own
			holders[ino] = append(holders[ino], tgid)
		}
	}
	if workers > 1 && iterPerProcess(objs.tasks) {
		err = readIterEach(objs.holders, pids, workers, add)
	} else {
		err = readIter(objs.holders, holderSize, add)
	}
	if err != nil {
		return fdScan{}, err
	}
	unseen, err := unseenProcesses(proc, pids, objs.tasks)
	if err != nil {
		return fdScan{}, err
	}
	return fdScan{holders: holders, unreadable: unseen}, nil
}

// readIterEach reads the holders iterator once for each of pids, on
// workers goroutines, and hands each record to add, one at a time. The
// kernel's walk of the descriptor tables is most of the time on a busy
// host, and one iterator walks them on one core: split by process, the
// walk at 1000 x 50 takes 55 ms on 2 cores instead of 82. A process that
// came after pids were listed is not read, as in the /proc walk.
func readIterEach(prog int, pids []int32, workers int, add func([]byte)) error {
	var (
		next  atomic.Int64
		mu    sync.Mutex
		wg    sync.WaitGroup
		first error
	)
	for range min(workers, len(pids)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 64<<10)
			var found []byte
			var err error
			for err == nil {
				i := int(next.Add(1)) - 1
				if i >= len(pids) {
					break
				}
				var fd int
				if fd, err = openIterFor(prog, uint32(pids[i])); err == nil {
					found, err = readAll(fd, buf, found)
					unix.Close(fd)
				}
				if vanished(err) {
					err = nil // exited since it was listed (this kernel iterates nothing for it)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = fmt.Errorf("read holders: %w", err)
			}
			for r := found; len(r) >= holderSize; r = r[holderSize:] {
				add(r[:holderSize])
			}
		}()
	}
	wg.Wait()
	return first
}

// readAll appends to out all that the iterator fd writes.
func readAll(fd int, buf, out []byte) ([]byte, error) {
	for {
		n, err := unix.Read(fd, buf)
		switch {
		case err == unix.EAGAIN || err == unix.EINTR:
			// A million objects went by without output: read on.
		case err != nil:
			return out, err
		case n == 0:
			return out, nil
		default:
			out = append(out, buf[:n]...)
		}
	}
}

// openIterFor opens an instance of the iterator prog: of every task, or
// with pid of the threads of process pid only (struct bpf_iter_link_info's
// task.pid, Linux 6.1): a link, then an iterator of it.
func openIterFor(prog int, pid uint32) (int, error) {
	ne := binary.NativeEndian
	var info [16]byte // union bpf_iter_link_info: task is {tid, pid, pid_fd}
	ne.PutUint32(info[4:], pid)
	link := make([]byte, 32) // union bpf_attr, as BPF_LINK_CREATE reads it
	ne.PutUint32(link[0:], uint32(prog))
	ne.PutUint32(link[8:], unix.BPF_TRACE_ITER)
	var ptrs []ptrField
	if pid != 0 {
		ptrs = append(ptrs, ptrField{16, unsafe.Pointer(&info)})
		ne.PutUint32(link[24:], uint32(len(info)))
	}
	lfd, err := bpf(unix.BPF_LINK_CREATE, link, ptrs...)
	if err != nil {
		return -1, fmt.Errorf("link for pid %d: %w", pid, err)
	}
	defer unix.Close(lfd)
	it := make([]byte, 8) // BPF_ITER_CREATE: link_fd, flags
	ne.PutUint32(it[0:], uint32(lfd))
	fd, err := bpf(unix.BPF_ITER_CREATE, it)
	if err != nil {
		return -1, fmt.Errorf("iterator for pid %d: %w", pid, err)
	}
	return fd, nil
}

// iterPerProcess reports whether the kernel iterates the threads of one
// process when asked (Linux 6.1 and later): the tasks iterator, asked for
// whoport's own process, must show that process alone. A kernel before
// 5.19 refuses the request; one before 6.1 takes it and ignores it, and
// would walk every process's tables once for each process.
func iterPerProcess(tasks int) bool {
	self := uint32(os.Getpid())
	fd, err := openIterFor(tasks, self)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	out, err := readAll(fd, make([]byte, 4<<10), nil)
	return err == nil && len(out) == 4 && binary.NativeEndian.Uint32(out) == self
}

// prefetchKernelBTF reads and indexes the kernel's BTF in the background,
// where loadHolderIters will find it (or wait for it).
func prefetchKernelBTF() {
	go kernelBTF() //nolint:errcheck // the load reports the error
}

// holderIters are the loaded iterators of bpf/holders.c, and their map.
type holderIters struct {
	holders, tasks, wanted int
}

func (h *holderIters) Close() {
	for _, fd := range []int{h.holders, h.tasks, h.wanted} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}

// holdersObject is bpf/holders.c compiled for this machine's byte order.
var holdersObject = sync.OnceValues(func() (*bpfObject, error) { return parseBPFObject(holdersELF) })

// loadHolderIters loads the iterators of bpf/holders.c, with the wanted
// map sized to want and filled. Before Linux 5.11 the kernel charged BPF
// memory to RLIMIT_MEMLOCK (often 64 KB) and refused with EPERM beyond it;
// a refused load is tried once more with the limit raised, as libbpf does.
func loadHolderIters(want map[uint64]struct{}) (*holderIters, error) {
	h, err := loadHolderItersOnce(want)
	if errors.Is(err, unix.EPERM) && raiseMemlock() {
		h, err = loadHolderItersOnce(want)
	}
	return h, err
}

// raiseMemlock lifts this process's RLIMIT_MEMLOCK as far as it may (to
// no limit with CAP_SYS_RESOURCE, else to the hard limit), and reports
// whether it rose.
func raiseMemlock() bool {
	var lim unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_MEMLOCK, &lim) != nil || lim.Cur == unix.RLIM_INFINITY {
		return false
	}
	if unix.Setrlimit(unix.RLIMIT_MEMLOCK, &unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY}) == nil {
		return true
	}
	if lim.Cur < lim.Max && unix.Setrlimit(unix.RLIMIT_MEMLOCK, &unix.Rlimit{Cur: lim.Max, Max: lim.Max}) == nil {
		return true
	}
	return false
}

func loadHolderItersOnce(want map[uint64]struct{}) (*holderIters, error) {
	obj, err := holdersObject()
	if err != nil {
		return nil, fmt.Errorf("holders object: %w", err)
	}
	kernel, err := kernelBTF()
	if err != nil {
		return nil, err
	}
	h := &holderIters{holders: -1, tasks: -1, wanted: -1}
	if h.wanted, err = createHashMap("wanted", max(len(want), 1)); err != nil {
		return nil, err
	}
	keys := make([]uint64, 0, len(want))
	for ino := range want {
		keys = append(keys, ino)
	}
	if err := putKeys(h.wanted, keys); err != nil {
		h.Close()
		return nil, err
	}
	iters := []struct {
		fd                *int
		name, sec, attach string
	}{
		{&h.holders, "holders", "iter/task_file", "bpf_iter_task_file"},
		{&h.tasks, "tasks", "iter/task", "bpf_iter_task"},
	}
	var types []typeKey // the kernel's types the programs need, looked for at once
	for _, it := range iters {
		types = append(types, typeKey{btfFunc, it.attach})
		if p := obj.progs[it.sec]; p != nil {
			types = append(types, obj.coreRoots(p)...)
		}
	}
	ids := kernel.findAll(types)
	for _, it := range iters {
		*it.fd, err = loadProgram(obj, kernel, ids, it.name, it.sec, it.attach, map[string]int{"wanted": h.wanted})
		if err != nil {
			h.Close()
			return nil, err
		}
	}
	return h, nil
}

// loadProgram loads the iterator program of section sec of obj, for the
// kernel's function attach; ids has the kernel's types it needs.
func loadProgram(obj *bpfObject, kernel *btfSpec, ids map[typeKey]uint32, name, sec, attach string, maps map[string]int) (int, error) {
	p := obj.progs[sec]
	if p == nil {
		return -1, fmt.Errorf("no program %s in the object", sec)
	}
	id, ok := ids[typeKey{btfFunc, attach}]
	if !ok {
		return -1, fmt.Errorf("no %s in the kernel: %w", attach, errors.ErrUnsupported)
	}
	insns, err := p.relocate(obj, kernel, ids, maps)
	if err != nil {
		return -1, fmt.Errorf("%s: %w", name, err)
	}
	return loadIter(name, insns, obj.license, id)
}

// unseenProcesses gives those of pids, listed before the iterators ran,
// that the tasks iterator does not show and that have not exited
// meanwhile, sorted.
func unseenProcesses(proc string, pids []int32, tasks int) ([]int32, error) {
	seen := make(map[int32]bool, len(pids))
	err := readIter(tasks, 4, func(r []byte) { seen[int32(binary.NativeEndian.Uint32(r))] = true })
	if err != nil {
		return nil, err
	}
	var unseen []int32
	for _, pid := range pids {
		if !seen[pid] {
			if _, err := os.Stat(filepath.Join(proc, strconv.Itoa(int(pid)))); err == nil {
				unseen = append(unseen, pid)
			}
		}
	}
	slices.Sort(unseen)
	return unseen, nil
}

// readIter opens an iterator of every task of the program prog, reads all
// it writes and hands each record of size bytes to record.
func readIter(prog, size int, record func([]byte)) error {
	fd, err := openIterFor(prog, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	out, err := readAll(fd, make([]byte, 64<<10), nil)
	if err != nil {
		return fmt.Errorf("read iterator: %w", err)
	}
	for ; len(out) >= size; out = out[size:] {
		record(out[:size])
	}
	return nil
}
