//go:build linux && (!cgo || osusergo)

package inspect

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
)

// whoport is built static (CGO_ENABLED=0, see the README), so os/user
// reads /etc/passwd alone. Users that only NSS knows (LDAP, SSSD, systemd's
// dynamic users) are asked of getent(1), which goes through NSS, when
// /etc/nsswitch.conf names a source for passwd other than files: one
// process for each uid missing from /etc/passwd, and none on most hosts.

// passwdBeyondFiles reports, once, whether /etc/nsswitch.conf has passwd
// sources other than files.
var passwdBeyondFiles = sync.OnceValue(func() bool {
	b, err := os.ReadFile("/etc/nsswitch.conf")
	return err == nil && nssBeyondFiles(b)
})

// nssUserName asks getent for the name of uid; "" when NSS has none.
func nssUserName(uid uint32) string {
	if !passwdBeyondFiles() {
		return ""
	}
	out, err := exec.Command("getent", "passwd", strconv.FormatUint(uint64(uid), 10)).Output()
	if err != nil {
		return ""
	}
	name, _, _ := strings.Cut(string(out), ":")
	return strings.TrimSpace(name)
}
