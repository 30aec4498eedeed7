package inspect

//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -cc clang -cflags "-O2 -g -Wall -Werror" -target bpfel,bpfeb -tags linux -go-package inspect -output-stem walk_bpf holders bpf/holders.c

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"
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
	if workers > 1 && iterPerProcess(objs.Tasks) {
		err = readIterEach(objs.Holders, pids, workers, add)
	} else {
		err = readIter(objs.Holders, holderSize, add)
	}
	if err != nil {
		return fdScan{}, err
	}
	unseen, err := unseenProcesses(proc, pids, objs.Tasks)
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
func readIterEach(prog *ebpf.Program, pids []int32, workers int, add func([]byte)) error {
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
				first = fmt.Errorf("read %s: %w", prog, err)
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

// openIterFor opens an instance of the task iterator prog that visits the
// threads of process pid only (struct bpf_iter_link_info's task.pid,
// Linux 6.1): a link, then an iterator of it. cilium/ebpf's AttachIter
// has no place for the pid, so these are the two bpf(2) calls it makes.
func openIterFor(prog *ebpf.Program, pid uint32) (int, error) {
	ne := binary.NativeEndian
	var info [16]byte // union bpf_iter_link_info: task is {tid, pid, pid_fd}
	ne.PutUint32(info[4:], pid)
	var link [32]byte // union bpf_attr, as BPF_LINK_CREATE reads it
	ne.PutUint32(link[0:], uint32(prog.FD()))
	ne.PutUint32(link[8:], unix.BPF_TRACE_ITER)
	ne.PutUint64(link[16:], uint64(uintptr(unsafe.Pointer(&info[0]))))
	ne.PutUint32(link[24:], uint32(len(info)))
	lfd, _, errno := unix.Syscall(unix.SYS_BPF, unix.BPF_LINK_CREATE, uintptr(unsafe.Pointer(&link[0])), uintptr(len(link)))
	runtime.KeepAlive(&info)
	if errno != 0 {
		return -1, fmt.Errorf("link for pid %d: %w", pid, errno)
	}
	defer unix.Close(int(lfd))
	var it [8]byte // BPF_ITER_CREATE: link_fd, flags
	ne.PutUint32(it[0:], uint32(lfd))
	fd, _, errno := unix.Syscall(unix.SYS_BPF, unix.BPF_ITER_CREATE, uintptr(unsafe.Pointer(&it[0])), uintptr(len(it)))
	if errno != 0 {
		return -1, fmt.Errorf("iterator for pid %d: %w", pid, errno)
	}
	unix.CloseOnExec(int(fd))
	return int(fd), nil
}

// iterPerProcess reports whether the kernel iterates the threads of one
// process when asked (Linux 6.1 and later): the tasks iterator, asked for
// whoport's own process, must show that process alone. A kernel before
// 5.19 refuses the request; one before 6.1 takes it and ignores it, and
// would walk every process's tables once for each process.
func iterPerProcess(tasks *ebpf.Program) bool {
	self := uint32(os.Getpid())
	fd, err := openIterFor(tasks, self)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	out, err := readAll(fd, make([]byte, 4<<10), nil)
	return err == nil && len(out) == 4 && binary.NativeEndian.Uint32(out) == self
}

// prefetchKernelBTF decodes the kernel's BTF in the background, into
// cilium/ebpf's cache, where loadHolderIters will find it (or wait for it).
func prefetchKernelBTF() {
	go btf.LoadKernelSpec() //nolint:errcheck // the load reports the error
}

// loadHolderIters loads the iterators of bpf/holders.c, with the wanted
// map sized to want and filled. The kernel's BTF, which the loader needs
// for CO-RE and to find the iterators, is decoded once for both programs.
func loadHolderIters(want map[uint64]struct{}) (*holdersObjects, error) {
	spec, err := loadHolders()
	if err != nil {
		return nil, err
	}
	spec.Maps["wanted"].MaxEntries = uint32(max(len(want), 1))
	var objs holdersObjects
	if err := spec.LoadAndAssign(&objs, &ebpf.CollectionOptions{Programs: ebpf.ProgramOptions{LogDisabled: true}}); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if err := fillWanted(objs.Wanted, want); err != nil {
		objs.Close()
		return nil, err
	}
	return &objs, nil
}

// unseenProcesses gives those of pids, listed before the iterators ran,
// that the tasks iterator does not show and that have not exited
// meanwhile, sorted.
func unseenProcesses(proc string, pids []int32, tasks *ebpf.Program) ([]int32, error) {
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

// fillWanted puts the inodes of want in the wanted map, in one call where
// the kernel allows.
func fillWanted(m *ebpf.Map, want map[uint64]struct{}) error {
	keys := make([]uint64, 0, len(want))
	for ino := range want {
		keys = append(keys, ino)
	}
	vals := make([]uint8, len(keys))
	if _, err := m.BatchUpdate(keys, vals, nil); err == nil {
		return nil
	}
	for _, k := range keys {
		if err := m.Put(k, uint8(0)); err != nil {
			return fmt.Errorf("fill wanted sockets: %w", err)
		}
	}
	return nil
}

// readIter attaches the iterator program prog, reads all it writes and
// hands each record of size bytes to record.
func readIter(prog *ebpf.Program, size int, record func([]byte)) error {
	it, err := link.AttachIter(link.IterOptions{Program: prog})
	if err != nil {
		return fmt.Errorf("attach %s: %w", prog, err)
	}
	defer it.Close()
	rd, err := it.Open()
	if err != nil {
		return fmt.Errorf("open %s: %w", prog, err)
	}
	defer rd.Close()
	buf := make([]byte, 64<<10)
	have := 0
	for {
		n, err := rd.Read(buf[have:])
		have += n
		i := 0
		for ; have-i >= size; i += size {
			record(buf[i : i+size])
		}
		have = copy(buf, buf[i:have]) // the start of a record, if a read cut one
		switch {
		case errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR):
			// A million objects went by without output: read on.
		case err == io.EOF || (err == nil && n == 0):
			return nil
		case err != nil:
			return fmt.Errorf("read %s: %w", prog, err)
		}
	}
}
