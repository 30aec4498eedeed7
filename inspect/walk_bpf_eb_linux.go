//go:build mips || mips64 || ppc64 || s390x

package inspect

import _ "embed"

// holdersELF is bpf/holders.c compiled by go generate for big-endian
// machines.
//
//go:embed walk_bpf_bpfeb.o
var holdersELF []byte
