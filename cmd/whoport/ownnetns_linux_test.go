package main

import (
	"os"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// hostNetNS names the network namespace the test binary started in.
var hostNetNS string

// init keeps the main thread to the main goroutine for good, so that no
// test's goroutine ever runs on it: a test that leaves the host's network
// namespace leaves with its own thread only, and the process's view of
// the host (/proc/self/net, which is the main thread's) stays the host's.
func init() {
	runtime.LockOSThread()
	hostNetNS, _ = os.Readlink("/proc/thread-self/ns/net")
}

// ownNetNS moves the calling test into a network namespace of its own:
// its goroutine is locked to its OS thread, and the thread leaves the
// host's namespace with unshare(CLONE_NEWNET), then brings loopback up.
// From then on every socket the test opens and every process it starts
// (children, whoport) lives in that namespace: a quiet port space where a
// freed port stays free, where fixed ports such as 25 or 6379 are free,
// and whose kernel settings under /proc/sys/net (ip_local_port_range,
// ip_local_reserved_ports, ip_unprivileged_port_start, bindv6only) are
// the namespace's own, so writing them never changes the host.
//
// The thread is never unlocked: Go ends it with the test's goroutine, after
// the test's cleanups, and the namespace goes with its last process. Call
// it from the test's own goroutine after t.Parallel; subtests and other
// goroutines run on other threads, and join the namespace with enter.
// Without the privilege to unshare (CAP_SYS_ADMIN), the test is skipped.
func ownNetNS(t *testing.T) netNS {
	t.Helper()
	runtime.LockOSThread()
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		t.Skipf("needs a network namespace of its own, and unshare(CLONE_NEWNET) failed: %v", err)
	}
	if !inOwnNetNS() {
		t.Fatal("unshare(CLONE_NEWNET) returned, and the thread is still in the process's namespace")
	}
	ns, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Close() })
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("a socket in the new namespace: %v", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		t.Fatalf("flags of lo: %v", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		t.Fatalf("bring lo up: %v", err)
	}
	return netNS{ns}
}

// netNS is a test's network namespace, made by ownNetNS.
type netNS struct{ f *os.File }

// enter moves a subtest's goroutine, locked to its OS thread for good,
// into the namespace (setns), as ownNetNS did for the test's.
func (ns netNS) enter(t *testing.T) {
	t.Helper()
	runtime.LockOSThread()
	if err := unix.Setns(int(ns.f.Fd()), unix.CLONE_NEWNET); err != nil {
		t.Fatalf("enter the test's network namespace: %v", err)
	}
}

// writeNetSysctl sets a kernel setting under /proc/sys/net in the test's
// own network namespace (see ownNetNS), never the host's: the thread that
// writes is in that namespace, and so is every process the test starts.
func writeNetSysctl(t *testing.T, name, value string) {
	t.Helper()
	if !inOwnNetNS() {
		t.Fatalf("refusing to write net.%s outside a network namespace of the test's own", name)
	}
	path := "/proc/sys/net/" + strings.ReplaceAll(name, ".", "/")
	if err := os.WriteFile(path, []byte(value), 0o644); err != nil {
		t.Skipf("cannot set net.%s in the test's network namespace: %v", name, err)
	}
}

// inOwnNetNS reports whether the calling thread is in another network
// namespace than the one the test binary started in, that is, whether
// ownNetNS moved it.
func inOwnNetNS() bool {
	self, err := os.Readlink("/proc/thread-self/ns/net")
	return err == nil && hostNetNS != "" && self != hostNetNS
}
