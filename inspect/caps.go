package inspect

import (
	"bytes"
	"strconv"
	"strings"
)

// capNetBindService is CAP_NET_BIND_SERVICE's bit in a capability set.
const capNetBindService = 10

// netBindService reports whether the effective capabilities in the
// contents of /proc/PID/status include CAP_NET_BIND_SERVICE.
func netBindService(status []byte) bool { return capEffBits(status)&(1<<capNetBindService) != 0 }

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
