package inspect

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// This file loads the iterators of bpf/holders.c: the ELF object clang
// made of it (go generate), with the fields it reads found in the running
// kernel's BTF (CO-RE), as libbpf and cilium/ebpf do for such a program,
// and no more. cilium/ebpf compiles it (bpf2go) and checks this loader in
// the tests; linked into whoport it cost every run, however small the
// host, the start of twenty more packages (debug/elf, compress/*,
// go/format, crypto/*): 0.12x of a Go hello-world's whole run, as much as
// whoport lookup was over its target. Decoding all of the kernel's BTF
// (5 MB) was also most of the BPF path's fixed cost; this finds the six
// types the program names.

// bpfObject is what the loader takes of a BPF ELF object.
type bpfObject struct {
	license string
	progs   map[string]*bpfProg // by section: "iter/task_file"
	btf     *btfSpec            // the object's own types, which its relocations name
}

// bpfProg is one program of a bpfObject: its instructions, as they are in
// the object, and what to fix in them for the running kernel.
type bpfProg struct {
	insns []byte
	maps  map[int]string // the map each of these instructions loads, by index
	core  []coreReloc
}

// coreReloc is a CO-RE relocation (.BTF.ext): instruction insn reads the
// field that access (such as "0:1") names in the object's type typ.
type coreReloc struct {
	insn   int
	typ    uint32
	access string
	kind   uint32
}

const (
	insnSize            = 8
	coreFieldByteOffset = 0 // the only kind of relocation holders.c makes
	pseudoMapFD         = 1 // BPF_PSEUDO_MAP_FD: an ld_imm64 whose imm is a map's fd
)

// parseBPFObject reads the sections of an ELF object of one BPF target
// (of this machine's byte order) that the loader needs.
func parseBPFObject(b []byte) (*bpfObject, error) {
	ne := binary.NativeEndian
	if len(b) < 64 || string(b[:4]) != "\x7fELF" || b[4] != 2 { // ELFCLASS64
		return nil, errors.New("not a 64-bit ELF object")
	}
	shoff, shentsize, shnum, shstrndx := ne.Uint64(b[0x28:]), int(ne.Uint16(b[0x3a:])), int(ne.Uint16(b[0x3c:])), int(ne.Uint16(b[0x3e:]))
	if shentsize < 64 || shoff > uint64(len(b)) || uint64(shnum*shentsize) > uint64(len(b))-shoff || shstrndx >= shnum {
		return nil, errors.New("bad section headers")
	}
	type section struct {
		name            string
		nameOff         uint32
		typ, link, info uint32
		data            []byte
	}
	secs := make([]section, shnum)
	for i := range secs {
		h := b[shoff+uint64(i*shentsize):]
		off, size := ne.Uint64(h[24:]), ne.Uint64(h[32:])
		if ne.Uint32(h[4:]) != 8 { // SHT_NOBITS has no data
			if off > uint64(len(b)) || size > uint64(len(b))-off {
				return nil, fmt.Errorf("section %d out of the file", i)
			}
			secs[i].data = b[off : off+size]
		}
		secs[i].nameOff, secs[i].typ = ne.Uint32(h), ne.Uint32(h[4:])
		secs[i].link, secs[i].info = ne.Uint32(h[40:]), ne.Uint32(h[44:])
	}
	for i := range secs { // once the table of names is known
		secs[i].name = cString(secs[shstrndx].data, secs[i].nameOff)
	}
	obj := &bpfObject{progs: map[string]*bpfProg{}}
	var btfExt []byte
	for _, s := range secs {
		switch {
		case s.name == "license":
			obj.license = cString(s.data, 0)
		case s.name == ".BTF":
			spec, err := parseBTF(s.data)
			if err != nil {
				return nil, fmt.Errorf("object BTF: %w", err)
			}
			obj.btf = spec
		case s.name == ".BTF.ext":
			btfExt = s.data
		case strings.HasPrefix(s.name, "iter/"):
			obj.progs[s.name] = &bpfProg{insns: s.data, maps: map[int]string{}}
		}
	}
	for i, s := range secs { // the relocations of the programs' sections
		if s.typ != 9 || int(s.info) >= len(secs) || obj.progs[secs[s.info].name] == nil { // SHT_REL
			continue
		}
		if int(s.link) >= len(secs) || int(secs[s.link].link) >= len(secs) {
			return nil, fmt.Errorf("section %d: bad symbol table", i)
		}
		symtab, strtab := secs[s.link].data, secs[secs[s.link].link].data
		p := secs[s.info].name
		for r := s.data; len(r) >= 16; r = r[16:] {
			off, sym := ne.Uint64(r), ne.Uint64(r[8:])>>32
			if (sym+1)*24 > uint64(len(symtab)) || off%insnSize != 0 || off >= uint64(len(obj.progs[p].insns)) {
				return nil, fmt.Errorf("%s: relocation out of the program or the symbol table", p)
			}
			obj.progs[p].maps[int(off/insnSize)] = cString(strtab, ne.Uint32(symtab[sym*24:]))
		}
	}
	if obj.btf == nil || btfExt == nil {
		return nil, errors.New("no BTF in the object")
	}
	if err := obj.parseCORE(btfExt); err != nil {
		return nil, fmt.Errorf("object BTF.ext: %w", err)
	}
	return obj, nil
}

// parseCORE reads the CO-RE relocations of .BTF.ext into the programs.
func (obj *bpfObject) parseCORE(ext []byte) error {
	ne := binary.NativeEndian
	if len(ext) < 32 || ne.Uint16(ext) != 0xeb9f {
		return errors.New("no CO-RE relocations")
	}
	hdrLen := ne.Uint32(ext[4:])
	off, size := uint64(hdrLen)+uint64(ne.Uint32(ext[24:])), uint64(ne.Uint32(ext[28:]))
	if hdrLen < 32 || off > uint64(len(ext)) || size > uint64(len(ext))-off || size < 4 {
		return errors.New("bad header")
	}
	d := ext[off : off+size]
	recSize := int(ne.Uint32(d))
	if recSize < 16 {
		return fmt.Errorf("records of %d bytes", recSize)
	}
	for d = d[4:]; len(d) >= 8; {
		sec, n := obj.btf.name(ne.Uint32(d)), int(ne.Uint32(d[4:]))
		d = d[8:]
		if uint64(n)*uint64(recSize) > uint64(len(d)) {
			return fmt.Errorf("%s: %d records past the end", sec, n)
		}
		p := obj.progs[sec]
		for i := range n {
			r := d[i*recSize:]
			if p != nil {
				p.core = append(p.core, coreReloc{insn: int(ne.Uint32(r) / insnSize), typ: ne.Uint32(r[4:]),
					access: obj.btf.name(ne.Uint32(r[8:])), kind: ne.Uint32(r[12:])})
			}
		}
		d = d[n*recSize:]
	}
	return nil
}

func cString(b []byte, off uint32) string {
	if uint64(off) >= uint64(len(b)) {
		return ""
	}
	b = b[off:]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// btfSpec is a BTF blob (the kernel's, or an object's), indexed by type id.
type btfSpec struct {
	types []byte   // the type section
	strs  []byte   // the string section
	at    []uint32 // where each type starts in types, by id; id 0 is void
}

// BTF kinds (include/uapi/linux/btf.h).
const (
	btfInt      = 1
	btfPtr      = 2
	btfArray    = 3
	btfStruct   = 4
	btfUnion    = 5
	btfEnum     = 6
	btfFwd      = 7
	btfTypedef  = 8
	btfVolatile = 9
	btfConst    = 10
	btfRestrict = 11
	btfFunc     = 12
	btfProto    = 13
	btfVar      = 14
	btfDatasec  = 15
	btfFloat    = 16
	btfDeclTag  = 17
	btfTypeTag  = 18
	btfEnum64   = 19
)

// parseBTF indexes the types of a BTF blob.
func parseBTF(b []byte) (*btfSpec, error) {
	ne := binary.NativeEndian
	if len(b) < 24 || ne.Uint16(b) != 0xeb9f {
		return nil, errors.New("not BTF of this byte order")
	}
	hdr := uint64(ne.Uint32(b[4:]))
	toff, tlen, soff, slen := hdr+uint64(ne.Uint32(b[8:])), uint64(ne.Uint32(b[12:])), hdr+uint64(ne.Uint32(b[16:])), uint64(ne.Uint32(b[20:]))
	if toff+tlen > uint64(len(b)) || soff+slen > uint64(len(b)) {
		return nil, errors.New("sections past the end")
	}
	s := &btfSpec{types: b[toff : toff+tlen], strs: b[soff : soff+slen], at: make([]uint32, 1, 1+tlen/16)}
	for off := uint32(0); int(off)+12 <= len(s.types); {
		s.at = append(s.at, off)
		info := ne.Uint32(s.types[off+4:])
		vlen := info & 0xffff
		extra := uint32(0)
		switch kind := info >> 24 & 0x1f; kind {
		case btfInt, btfVar, btfDeclTag:
			extra = 4
		case btfArray:
			extra = 12
		case btfStruct, btfUnion, btfDatasec, btfEnum64:
			extra = 12 * vlen
		case btfEnum, btfProto:
			extra = 8 * vlen
		case btfPtr, btfFwd, btfTypedef, btfVolatile, btfConst, btfRestrict, btfFunc, btfFloat, btfTypeTag:
		default:
			return nil, fmt.Errorf("type %d: unknown kind %d", len(s.at)-1, kind)
		}
		if uint64(off)+12+uint64(extra) > uint64(len(s.types)) {
			return nil, fmt.Errorf("type %d: truncated", len(s.at)-1)
		}
		off += 12 + extra
	}
	return s, nil
}

func (s *btfSpec) name(off uint32) string { return cString(s.strs, off) }

// typ returns the kind, name, size-or-type field and vlen of type id, and
// the data after its header.
func (s *btfSpec) typ(id uint32) (kind uint32, name string, sizeType uint32, vlen int, rest []byte, ok bool) {
	if id == 0 || int(id) >= len(s.at) {
		return 0, "", 0, 0, nil, false
	}
	ne := binary.NativeEndian
	t := s.types[s.at[id]:]
	info := ne.Uint32(t[4:])
	return info >> 24 & 0x1f, s.name(ne.Uint32(t)), ne.Uint32(t[8:]), int(info & 0xffff), t[12:], true
}

// typeKey is a type's kind and name.
type typeKey struct {
	kind uint32
	name string
}

// find returns the id of the first type of kind called name.
func (s *btfSpec) find(kind uint32, name string) (uint32, bool) {
	id, ok := s.findAll([]typeKey{{kind, name}})[typeKey{kind, name}]
	return id, ok
}

// findAll gives the id of the first type of each of keys, in one pass
// over the types (the kernel has some 130,000) that ends when all are
// found; those not found are not in the map.
func (s *btfSpec) findAll(keys []typeKey) map[typeKey]uint32 {
	var byKind [32][]string // the names still looked for, by kind
	left := 0
	for _, k := range keys {
		if !slices.Contains(byKind[k.kind&0x1f], k.name) {
			byKind[k.kind&0x1f] = append(byKind[k.kind&0x1f], k.name)
			left++
		}
	}
	out := make(map[typeKey]uint32, left)
	ne := binary.NativeEndian
	for id := 1; id < len(s.at) && left > 0; id++ {
		t := s.types[s.at[id]:]
		kind := ne.Uint32(t[4:]) >> 24 & 0x1f
		names := byKind[kind]
		if len(names) == 0 {
			continue
		}
		off := uint64(ne.Uint32(t))
		for i, name := range names {
			if end := off + uint64(len(name)); end < uint64(len(s.strs)) && s.strs[end] == 0 && string(s.strs[off:end]) == name {
				out[typeKey{kind, name}] = uint32(id)
				byKind[kind] = slices.Delete(names, i, i+1) // the first of each
				left--
				break
			}
		}
	}
	return out
}

// coreRoots are the types p's CO-RE relocations start from, as the
// kernel's types of the same kind and name are looked for.
func (obj *bpfObject) coreRoots(p *bpfProg) []typeKey {
	var keys []typeKey
	for _, r := range p.core {
		if kind, name, _, _, _, ok := obj.btf.typ(obj.btf.skipQualifiers(r.typ)); ok {
			keys = append(keys, typeKey{kind, name})
		}
	}
	return keys
}

// skipQualifiers follows typedefs and qualifiers to the type they name.
func (s *btfSpec) skipQualifiers(id uint32) uint32 {
	for range 32 {
		kind, _, next, _, _, ok := s.typ(id)
		if !ok {
			return id
		}
		switch kind {
		case btfTypedef, btfVolatile, btfConst, btfRestrict, btfTypeTag:
			id = next
		default:
			return id
		}
	}
	return id
}

// member is the member name of struct or union id, looked for in its
// anonymous members too, as CO-RE does: its offset in bits and its type.
func (s *btfSpec) member(id uint32, name string) (bits uint32, typ uint32, ok bool) {
	budget := 1 << 16 // members looked at: BTF that nests a struct in itself ends
	return s.memberIn(id, name, &budget)
}

func (s *btfSpec) memberIn(id uint32, name string, budget *int) (bits uint32, typ uint32, ok bool) {
	kind, _, _, vlen, ms, found := s.typ(s.skipQualifiers(id))
	if !found || kind != btfStruct && kind != btfUnion {
		return 0, 0, false
	}
	kindFlag := binary.NativeEndian.Uint32(s.types[s.at[s.skipQualifiers(id)]+4:])>>31 == 1
	ne := binary.NativeEndian
	for i := range vlen {
		if *budget--; *budget < 0 {
			return 0, 0, false
		}
		m := ms[i*12:]
		mname, mtype, moff := s.name(ne.Uint32(m)), ne.Uint32(m[4:]), ne.Uint32(m[8:])
		if kindFlag {
			if moff>>24 != 0 {
				continue // a bitfield: not a field the program reads
			}
			moff &= 0xffffff
		}
		if mname == name {
			return moff, mtype, true
		}
		if mname == "" {
			if inner, t, ok := s.memberIn(mtype, name, budget); ok {
				return moff + inner, t, true
			}
		}
	}
	return 0, 0, false
}

// size is the size in bytes of a field of type id: an integer, enum or
// pointer.
func (s *btfSpec) size(id uint32) (uint32, bool) {
	kind, _, size, _, _, ok := s.typ(s.skipQualifiers(id))
	switch {
	case !ok:
		return 0, false
	case kind == btfPtr:
		return 8, true
	case kind == btfInt || kind == btfEnum || kind == btfEnum64:
		return size, true
	}
	return 0, false
}

// fieldOffset finds in the kernel the field that access names in the
// object's type local: the byte offset from the start of the kernel's
// type of the same name (which find finds), and the field's size.
func fieldOffset(obj, kernel *btfSpec, find func(kind uint32, name string) (uint32, bool), local uint32, access string) (off, size uint32, err error) {
	lid := obj.skipQualifiers(local)
	kind, name, _, _, _, ok := obj.typ(lid)
	if !ok || kind != btfStruct && kind != btfUnion {
		return 0, 0, fmt.Errorf("relocation of type %d, not a struct", local)
	}
	kid, found := find(kind, name)
	if !found {
		return 0, 0, fmt.Errorf("no struct %s in the kernel", name)
	}
	idx := strings.Split(access, ":")
	if len(idx) < 2 || idx[0] != "0" {
		return 0, 0, fmt.Errorf("%s: access %q not to a member", name, access)
	}
	bits, ktyp, path := uint32(0), kid, name
	for _, x := range idx[1:] {
		i, err := strconv.ParseUint(x, 10, 16)
		kind, _, _, vlen, ms, ok := obj.typ(lid)
		if err != nil || !ok || kind != btfStruct && kind != btfUnion || int(i) >= vlen || len(ms) < (int(i)+1)*12 {
			return 0, 0, fmt.Errorf("%s: bad access %q", name, access)
		}
		m := ms[i*12:]
		mname := obj.name(binary.NativeEndian.Uint32(m))
		path += "." + mname
		b, t, ok := kernel.member(ktyp, mname)
		if !ok {
			return 0, 0, fmt.Errorf("no field %s in the kernel", path)
		}
		bits += b
		ktyp, lid = t, obj.skipQualifiers(binary.NativeEndian.Uint32(m[4:]))
	}
	size, ok = kernel.size(ktyp)
	if bits%8 != 0 || !ok {
		return 0, 0, fmt.Errorf("%s in the kernel is not a whole integer or pointer", path)
	}
	return bits / 8, size, nil
}

// ldxSize is the size in bytes of a load whose opcode is op.
func ldxSize(op uint8) uint32 {
	switch op & 0x18 {
	case 0x08:
		return 2
	case 0x10:
		return 1
	case 0x18:
		return 8
	}
	return 4
}

// relocate returns p's instructions with each field offset the kernel's,
// the types its relocations start from found in ids (of kernel.findAll
// of p's coreRoots), and each map load the fd of the map of that name in
// maps.
func (p *bpfProg) relocate(obj *bpfObject, kernel *btfSpec, ids map[typeKey]uint32, maps map[string]int) ([]byte, error) {
	ne := binary.NativeEndian
	insns := bytes.Clone(p.insns)
	find := func(kind uint32, name string) (uint32, bool) {
		id, ok := ids[typeKey{kind, name}]
		return id, ok
	}
	for _, r := range p.core {
		if r.kind != coreFieldByteOffset || (r.insn+1)*insnSize > len(insns) {
			return nil, fmt.Errorf("relocation of kind %d at %d", r.kind, r.insn)
		}
		off, size, err := fieldOffset(obj.btf, kernel, find, r.typ, r.access)
		if err != nil {
			return nil, err
		}
		in := insns[r.insn*insnSize:]
		switch class := in[0] & 0x07; class {
		case 0x01, 0x02, 0x03: // LDX, ST, STX: the offset is the instruction's
			if class == 0x01 && ldxSize(in[0]) != size {
				return nil, fmt.Errorf("instruction %d loads %d bytes of a field of %d", r.insn, ldxSize(in[0]), size)
			}
			if off > 1<<15-1 {
				return nil, fmt.Errorf("field at %d, past an instruction's reach", off)
			}
			ne.PutUint16(in[2:], uint16(off))
		case 0x04, 0x07: // ALU: the offset is the immediate
			ne.PutUint32(in[4:], off)
		default:
			return nil, fmt.Errorf("relocation of instruction %d, of class %d", r.insn, class)
		}
	}
	for i, name := range p.maps {
		fd, ok := maps[name]
		if !ok || (i+2)*insnSize > len(insns) || insns[i*insnSize] != 0x18 { // BPF_LD | BPF_IMM | BPF_DW
			return nil, fmt.Errorf("instruction %d loads %s, which is not a map", i, name)
		}
		in := insns[i*insnSize:]
		if bigEndian {
			in[1] = in[1]&0xf0 | pseudoMapFD
		} else {
			in[1] = in[1]&0x0f | pseudoMapFD<<4
		}
		ne.PutUint32(in[4:], uint32(fd))
		ne.PutUint32(in[12:], 0)
	}
	return insns, nil
}

var bigEndian = binary.NativeEndian.Uint16([]byte{0, 1}) == 1

// ptrField is a pointer field of a bpf_attr: its offset, and what it
// points to.
type ptrField struct {
	off int
	p   unsafe.Pointer
}

// bpf makes the bpf(2) call cmd with attr, its pointer fields written from
// ptrs only here, just before the call: Go moves a goroutine's stack when
// it grows, and an address written into attr earlier would go stale if
// what it points to was on the stack. Nothing between the writes and the
// system call can move the stack (no calls), and ptrs keeps the memory
// alive through it.
func bpf(cmd int, attr []byte, ptrs ...ptrField) (int, error) {
	for _, f := range ptrs {
		v := uint64(uintptr(f.p))
		for i := range 8 {
			shift := 8 * i
			if bigEndian {
				shift = 56 - shift
			}
			attr[f.off+i] = byte(v >> shift)
		}
	}
	fd, _, errno := unix.Syscall(unix.SYS_BPF, uintptr(cmd), uintptr(unsafe.Pointer(&attr[0])), uintptr(len(attr)))
	runtime.KeepAlive(attr)
	runtime.KeepAlive(ptrs)
	if errno != 0 {
		return -1, errno
	}
	return int(fd), nil
}

// createHashMap makes a hash map of n entries, of 8-byte keys and 1-byte
// values.
func createHashMap(name string, n int) (int, error) {
	ne := binary.NativeEndian
	attr := make([]byte, 72) // union bpf_attr, as BPF_MAP_CREATE reads it
	ne.PutUint32(attr[0:], unix.BPF_MAP_TYPE_HASH)
	ne.PutUint32(attr[4:], 8)
	ne.PutUint32(attr[8:], 1)
	ne.PutUint32(attr[12:], uint32(n))
	copy(attr[28:43], name) // map_name
	fd, err := bpf(unix.BPF_MAP_CREATE, attr)
	if err != nil {
		return -1, fmt.Errorf("create map %s: %w", name, err)
	}
	return fd, nil
}

// putKeys sets the keys in map fd (to 0), in one call where the kernel
// allows (Linux 5.6).
func putKeys(fd int, keys []uint64) error {
	if len(keys) == 0 {
		return nil
	}
	ne := binary.NativeEndian
	vals := make([]byte, len(keys))
	attr := make([]byte, 56) // BPF_MAP_UPDATE_BATCH's part of union bpf_attr
	ne.PutUint32(attr[32:], uint32(len(keys)))
	ne.PutUint32(attr[36:], uint32(fd))
	_, err := bpf(unix.BPF_MAP_UPDATE_BATCH, attr, ptrField{16, unsafe.Pointer(&keys[0])}, ptrField{24, unsafe.Pointer(&vals[0])})
	if err == nil {
		return nil
	}
	for i := range keys {
		attr := make([]byte, 32) // BPF_MAP_UPDATE_ELEM's
		ne.PutUint32(attr[0:], uint32(fd))
		if _, err := bpf(unix.BPF_MAP_UPDATE_ELEM, attr, ptrField{8, unsafe.Pointer(&keys[i])}, ptrField{16, unsafe.Pointer(&vals[i])}); err != nil {
			return fmt.Errorf("fill map: %w", err)
		}
	}
	return nil
}

// loadIter loads insns as a BPF iterator program for the kernel's
// function attach (bpf_iter_task_file), whose BTF id is attachID.
func loadIter(name string, insns []byte, license string, attachID uint32) (int, error) {
	ne := binary.NativeEndian
	lic := append([]byte(license), 0)
	attr := make([]byte, 128) // union bpf_attr, as BPF_PROG_LOAD reads it
	ne.PutUint32(attr[0:], unix.BPF_PROG_TYPE_TRACING)
	ne.PutUint32(attr[4:], uint32(len(insns)/insnSize))
	copy(attr[48:63], name) // prog_name
	ne.PutUint32(attr[68:], unix.BPF_TRACE_ITER)
	ne.PutUint32(attr[108:], attachID)
	// The verifier gives up with EAGAIN when a signal is pending (the Go
	// runtime preempts with SIGURG); it is asked again, as cilium/ebpf does.
	ptrs := []ptrField{{8, unsafe.Pointer(&insns[0])}, {16, unsafe.Pointer(&lic[0])}}
	fd, err := bpf(unix.BPF_PROG_LOAD, attr, ptrs...)
	for errors.Is(err, unix.EAGAIN) {
		fd, err = bpf(unix.BPF_PROG_LOAD, attr, ptrs...)
	}
	if err != nil {
		return -1, fmt.Errorf("load %s: %w", name, err)
	}
	return fd, nil
}

// kernelBTF is the running kernel's BTF, read and indexed once a run
// (about 3 ms for its 5 MB; prefetchKernelBTF starts it early).
var kernelBTF = sync.OnceValues(loadKernelBTF)

func loadKernelBTF() (*btfSpec, error) {
	b, err := readKernelBTF("/sys/kernel/btf/vmlinux")
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("kernel BTF: %w (%w)", err, errors.ErrUnsupported)
	}
	if err != nil {
		return nil, fmt.Errorf("kernel BTF: %w", err)
	}
	spec, err := parseBTF(b)
	if err != nil {
		return nil, fmt.Errorf("kernel BTF: %w", err)
	}
	return spec, nil
}

// readKernelBTF maps the kernel's BTF at path where the kernel lets it
// (Linux 6.16): nothing is copied, and what the loader does not look at
// is never touched. Elsewhere it reads it.
func readKernelBTF(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err == nil && st.Size > 0 {
		if b, err := unix.Mmap(fd, 0, int(st.Size), unix.PROT_READ, unix.MAP_PRIVATE); err == nil {
			return b, nil // kept for the run, as a read copy would be
		}
	}
	return os.ReadFile(path)
}
