package inspect

import (
	"bufio"
	"bytes"
	"os"
	"slices"
	"strconv"
	"strings"
)

// User is an account of the user database.
type User struct {
	Name string
	UID  uint32
}

// passwdFile is the user database Users reads.
const passwdFile = "/etc/passwd"

// Users lists the accounts of the host's /etc/passwd, sorted by name:
// what a shell offers to complete a user. Accounts that only a directory
// service (NSS, LDAP) knows are not listed; LookupUID still finds them.
// A host without the file has none to list.
func (s System) Users() []User {
	b, err := os.ReadFile(passwdFile)
	if err != nil {
		return nil
	}
	return parsePasswd(b)
}

// parsePasswd reads passwd(5) lines, "name:password:uid:gid:…", skipping
// comments and lines that do not parse.
func parsePasswd(b []byte) []User {
	var out []User
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) < 3 || f[0] == "" || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[0], "+") || strings.HasPrefix(f[0], "-") {
			continue
		}
		uid, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil {
			continue
		}
		out = append(out, User{Name: f[0], UID: uint32(uid)})
	}
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.Name, b.Name) })
	return out
}
