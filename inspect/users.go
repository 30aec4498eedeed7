package inspect

import (
	"fmt"
	"os/user"
	"strconv"
)

// LookupUID reads a user given by name or number, in the System's user
// database (the live host's: /etc/passwd, and NSS where whoport is built
// with cgo).
func (s System) LookupUID(name string) (uint32, error) {
	if n, err := strconv.ParseUint(name, 10, 32); err == nil {
		return uint32(n), nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return 0, fmt.Errorf("unknown user %q: give a user name or a number", name)
	}
	n, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("user %q has no numeric uid (%s)", name, u.Uid)
	}
	return uint32(n), nil
}
