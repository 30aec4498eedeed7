package inspect

//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -cc clang -cflags "-O2 -g -Wall -Werror" -target bpfel,bpfeb -tags linux -go-package inspect -output-stem walk_bpf holders bpf/holders.c

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"

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
	objs, err := loadHolderIters(want)
	if err != nil {
		return fdScan{}, err
	}
	defer objs.Close()
	holders := make(map[uint64][]int32, len(want))
	err = readIter(objs.Holders, holderSize, func(r []byte) {
		ino, tgid := binary.NativeEndian.Uint64(r), int32(binary.NativeEndian.Uint32(r[8:]))
		if !slices.Contains(holders[ino], tgid) { // a process's threads may have tables of their own
			holders[ino] = append(holders[ino], tgid)
		}
	})
	if err != nil {
		return fdScan{}, err
	}
	unseen, err := unseenProcesses(proc, objs.Tasks)
	if err != nil {
		return fdScan{}, err
	}
	return fdScan{holders: holders, unreadable: unseen}, nil
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

// unseenProcesses lists the processes of proc that the tasks iterator does
// not show, and that have not exited meanwhile, sorted.
func unseenProcesses(proc string, tasks *ebpf.Program) ([]int32, error) {
	pids, err := listPIDs(proc) // before the iterator: a process it missed was there all along
	if err != nil {
		return nil, err
	}
	seen := make(map[int32]bool, len(pids))
	err = readIter(tasks, 4, func(r []byte) { seen[int32(binary.NativeEndian.Uint32(r))] = true })
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
