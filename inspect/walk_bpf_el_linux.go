//go:build 386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64

package inspect

import _ "embed"

// holdersELF is bpf/holders.c compiled by go generate for little-endian
// machines.
//
//go:embed walk_bpf_bpfel.o
var holdersELF []byte
