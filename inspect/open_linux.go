package inspect

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/whoport/whoport/services"
)

// Open checks that root is a procfs mount and returns the System it shows.
// "/proc", "/proc/", "/proc/." and any other mount of the procfs this
// process lives in are the live host; a procfs of another pid namespace
// can be read but not acted on. A root that is missing, empty, or not a
// procfs mount (statfs's f_type, as prometheus/procfs checks) is a
// *RootError: an answer read from it could not be trusted.
func Open(root string) (System, error) {
	if root == "" {
		return System{}, &RootError{root, "--proc-root is empty: give the directory procfs is mounted on, such as /proc"}
	}
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		return System{}, &RootError{root, fmt.Sprintf("cannot use %s as the proc root: %s", root, errText(err))}
	}
	if st.Type != unix.PROC_SUPER_MAGIC {
		return System{}, &RootError{root, fmt.Sprintf("%s is not a procfs mount: give the directory procfs is mounted on, such as /proc", root)}
	}
	s := System{proc: filepath.Clean(root), reg: services.Host, id: selfIdentity()}
	s.live = showsSelf(s.proc)
	if !s.id.Root() {
		s.hidepid = hidepidOf(s.proc)
	}
	return s, nil
}

// errText is an error's text without the operation and path that wrap it.
func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return err.Error()
}

// showsSelf reports whether the procfs at root shows this very process as
// "self": then it is of our pid namespace, and its net/ is our network
// namespace's.
func showsSelf(root string) bool {
	link, err := os.Readlink(filepath.Join(root, "self"))
	return err == nil && link == strconv.Itoa(os.Getpid())
}

// selfIdentity reads who this process is: its effective uid, and from
// /proc/self/status its capabilities, which matter to a user other than
// root only (Identity.Privileged).
func selfIdentity() Identity {
	id := Identity{EUID: uint32(os.Geteuid())}
	if id.Root() {
		return id
	}
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		id.NetBindService = netBindService(b)
	}
	return id
}

// hidepidOf reads /proc/self/mountinfo for the options of the procfs
// mounted at root, and gives the one that hides other users' processes
// ("hidepid=2", "hidepid=invisible", "subset=pid" does not), or "".
func hidepidOf(root string) string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	abs, err := filepath.Abs(root)
	if err != nil {
		return ""
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	}
	return parseHidepid(f, abs)
}

// parseHidepid finds the mount at mountPoint in mountinfo's lines
//
//	36 35 0:4 / /proc rw,nosuid - proc proc rw,hidepid=2
//
// and gives its hidepid option, when it hides processes; the last mount
// on a point wins, as it covers the others.
func parseHidepid(r io.Reader, mountPoint string) string {
	found := ""
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Bytes()
		pre, post, ok := bytes.Cut(line, []byte(" - "))
		if !ok {
			continue
		}
		f := strings.Fields(string(pre))
		g := strings.Fields(string(post))
		if len(f) < 5 || len(g) < 3 || unescapeMount(f[4]) != mountPoint || g[0] != "proc" {
			continue
		}
		found = ""
		for _, opt := range strings.Split(g[2], ",") {
			if v, ok := strings.CutPrefix(opt, "hidepid="); ok && v != "0" && v != "off" {
				found = opt
			}
		}
	}
	return found
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
