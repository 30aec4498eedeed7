package inspect

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestParseHoldersObject: the object go generate compiled has both
// iterators, their relocations, and a GPL-compatible license, which
// bpf_seq_write needs.
func TestParseHoldersObject(t *testing.T) {
	obj, err := parseBPFObject(holdersELF)
	if err != nil {
		t.Fatal(err)
	}
	if obj.license != "Dual MIT/GPL" {
		t.Errorf("license %q", obj.license)
	}
	for sec, maps := range map[string]int{"iter/task_file": 1, "iter/task": 0} {
		p := obj.progs[sec]
		if p == nil {
			t.Fatalf("no program %s", sec)
		}
		if len(p.maps) != maps || len(p.core) == 0 {
			t.Errorf("%s: %d map loads, %d CO-RE relocations", sec, len(p.maps), len(p.core))
		}
		for _, name := range p.maps {
			if name != "wanted" {
				t.Errorf("%s loads map %q", sec, name)
			}
		}
	}
}

// TestRelocateToOwnTypes: relocated against the object's own types, as if
// the kernel had the layout of bpf/kernel.h, each program is as clang
// compiled it, but for the map loads, which take the map's fd.
func TestRelocateToOwnTypes(t *testing.T) {
	obj, err := parseBPFObject(holdersELF)
	if err != nil {
		t.Fatal(err)
	}
	for sec, p := range obj.progs {
		got, err := p.relocate(obj, obj.btf, obj.btf.findAll(obj.coreRoots(p)), map[string]int{"wanted": 7})
		if err != nil {
			t.Fatalf("%s: %v", sec, err)
		}
		for i := 0; i < len(got); i += insnSize {
			name, isMap := p.maps[i/insnSize]
			switch {
			case isMap:
				if imm := binary.NativeEndian.Uint32(got[i+4:]); imm != 7 || got[i+1]>>4 != pseudoMapFD && got[i+1]&0xf != pseudoMapFD {
					t.Errorf("%s: instruction %d loads %s as % x", sec, i/insnSize, name, got[i:i+16])
				}
				i += insnSize
			case !bytes.Equal(got[i:i+insnSize], p.insns[i:i+insnSize]):
				t.Errorf("%s: instruction %d is % x, compiled % x", sec, i/insnSize, got[i:i+insnSize], p.insns[i:i+insnSize])
			}
		}
	}
}

// TestFieldOffsetAnonymous: a field is found in the kernel's anonymous
// members too (bpf_iter__task_file's pointers are each in a union), at
// the union's offset plus its own.
func TestFieldOffsetAnonymous(t *testing.T) {
	b := newBTFBuilder()
	u64 := b.add("unsigned long long", btfInt, 0, 8, []uint32{64})
	ptr := b.add("", btfPtr, 0, u64, nil)
	union := b.add("", btfUnion, 2, 8, []uint32{b.str("task"), ptr, 0, b.str("pad"), u64, 0})
	b.add("bpf_iter__task", btfStruct, 2, 16, []uint32{b.str("meta"), ptr, 0, 0, union, 64})
	kernel, err := parseBTF(b.bytes())
	if err != nil {
		t.Fatal(err)
	}
	obj, err := parseBPFObject(holdersELF)
	if err != nil {
		t.Fatal(err)
	}
	local, ok := obj.btf.find(btfStruct, "bpf_iter__task")
	if !ok {
		t.Fatal("no bpf_iter__task in the object")
	}
	off, size, err := fieldOffset(obj.btf, kernel, kernel.find, local, "0:1") // task
	if err != nil || off != 8 || size != 8 {
		t.Errorf("bpf_iter__task.task: offset %d, size %d, %v; want 8, 8", off, size, err)
	}
	for _, access := range []string{
		"0:2",     // a member the local type lacks
		"0:-1",    // a negative index
		"0:99999", // out of range
		"0:1:0",   // into a pointer, not a struct
		"0:x",
	} {
		if _, _, err := fieldOffset(obj.btf, kernel, kernel.find, local, access); err == nil {
			t.Errorf("access %q: no error", access)
		}
	}
}

// TestParseTruncated: a truncated object or BTF is an error, never a
// panic; so is each section of the object cut short in place (its size
// in the section header made smaller), which reaches the parsers of the
// sections, the relocations, BTF and .BTF.ext.
func TestParseTruncated(t *testing.T) {
	for n := range len(holdersELF) {
		if _, err := parseBPFObject(holdersELF[:n]); err == nil {
			t.Fatalf("%d of %d bytes: no error", n, len(holdersELF))
		}
	}
	ne := binary.NativeEndian
	shoff, shnum := ne.Uint64(holdersELF[0x28:]), int(ne.Uint16(holdersELF[0x3c:]))
	for i := range shnum {
		h := int(shoff) + i*64
		for n := range ne.Uint64(holdersELF[h+0x20:]) {
			b := slices.Clone(holdersELF)
			ne.PutUint64(b[h+0x20:], n)
			parseBPFObject(b) //nolint:errcheck // some sections parse short
		}
	}
	b := newBTFBuilder()
	u64 := b.add("unsigned long long", btfInt, 0, 8, []uint32{64})
	b.add("s", btfStruct, 1, 8, []uint32{b.str("a"), u64, 0})
	raw := b.bytes()
	for n := range len(raw) {
		if s, err := parseBTF(raw[:n]); err == nil {
			s.member(2, "a") // whatever it parsed is whole
		}
	}
}

// btfBuilder writes a BTF blob, for tests.
type btfBuilder struct{ types, strs []byte }

func newBTFBuilder() *btfBuilder { return &btfBuilder{strs: []byte{0}} }

func (b *btfBuilder) str(s string) uint32 {
	off := uint32(len(b.strs))
	b.strs = append(append(b.strs, s...), 0)
	return off
}

// add appends a type and returns its id: extra is the words after its
// header (an int's encoding; a member's name, type and offset, three
// words each).
func (b *btfBuilder) add(name string, kind, vlen, sizeType uint32, extra []uint32) uint32 {
	ne := binary.NativeEndian
	nameOff := uint32(0)
	if name != "" {
		nameOff = b.str(name)
	}
	b.types = ne.AppendUint32(b.types, nameOff)
	b.types = ne.AppendUint32(b.types, kind<<24|vlen)
	b.types = ne.AppendUint32(b.types, sizeType)
	for _, w := range extra {
		b.types = ne.AppendUint32(b.types, w)
	}
	s, _ := parseBTF(b.bytes())
	return uint32(len(s.at) - 1)
}

func (b *btfBuilder) bytes() []byte {
	ne := binary.NativeEndian
	h := ne.AppendUint16(nil, 0xeb9f)
	h = append(h, 1, 0)
	h = ne.AppendUint32(h, 24)
	h = ne.AppendUint32(h, 0)
	h = ne.AppendUint32(h, uint32(len(b.types)))
	h = ne.AppendUint32(h, uint32(len(b.types)))
	h = ne.AppendUint32(h, uint32(len(b.strs)))
	return append(append(h, b.types...), b.strs...)
}

// TestParseMutated: the object with bytes changed at random, and words
// set to edge values, parses and relocates to an error or a result, never
// a panic. (Each of the three panics FuzzBPFObject would have needed
// hours for took this under a second.)
func TestParseMutated(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := bytes.Clone(holdersELF)
		for range 1 + r.IntN(64) {
			if r.IntN(2) == 0 {
				b[r.IntN(len(b))] = byte(r.IntN(256))
				continue
			}
			edge := []uint32{0, 1, 0xffffffff, 0x7fffffff, uint32(r.IntN(4096)), uint32(r.IntN(1 << 20))}
			binary.NativeEndian.PutUint32(b[r.IntN(len(b)/4)*4:], edge[r.IntN(len(edge))])
		}
		obj, err := parseBPFObject(b)
		if err != nil {
			continue
		}
		for _, p := range obj.progs {
			p.relocate(obj, obj.btf, obj.btf.findAll(obj.coreRoots(p)), map[string]int{"wanted": 3})
		}
	}
}

// FuzzBPFObject: whatever the bytes, parsing an object and relocating its
// programs to its own types is an error or a result, never a panic.
func FuzzBPFObject(f *testing.F) {
	f.Add(holdersELF)
	f.Fuzz(func(t *testing.T, b []byte) {
		obj, err := parseBPFObject(b)
		if err != nil {
			return
		}
		for _, p := range obj.progs {
			p.relocate(obj, obj.btf, obj.btf.findAll(obj.coreRoots(p)), map[string]int{"wanted": 3})
		}
	})
}
