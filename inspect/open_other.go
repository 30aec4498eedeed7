//go:build !linux

package inspect

import (
	"os"

	"github.com/whoport/whoport/services"
)

// Open returns the live host. Without procfs the root names nothing, so it
// must be the default, /proc; any other is a *RootError.
func Open(root string) (System, error) {
	if root != "/proc" {
		return System{}, &RootError{root, "--proc-root is for Linux, where procfs is: leave it out here"}
	}
	id := Identity{}
	if uid := os.Geteuid(); uid >= 0 { // -1 on Windows
		id.EUID = uint32(uid)
	} else {
		id.EUID = 1 // not root: Windows has no uids, and no root to suggest
	}
	return System{proc: root, live: true, reg: services.Host, id: id}, nil
}
