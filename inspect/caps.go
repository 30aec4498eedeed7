package inspect

import (
	"bytes"
	"strconv"
	"strings"
)

// capEffBits reads the effective capability set, "CapEff:" in the
// contents of /proc/PID/status; 0 when absent.
func capEffBits(status []byte) uint64 {
	_, v, ok := bytes.Cut(status, []byte("\nCapEff:"))
	if !ok {
		return 0
	}
	v, _, _ = bytes.Cut(v, []byte("\n"))
	n, _ := strconv.ParseUint(strings.TrimSpace(string(v)), 16, 64)
	return n
}
