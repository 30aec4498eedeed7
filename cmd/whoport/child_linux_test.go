package main

// The end-to-end tests open their sockets in child processes: the test
// binary runs itself again with WHOPORT_TEST_CHILD set to a mode, prints
// "key value" lines and "ready", and holds its sockets until its stdin
// closes. Every port a child opens comes from the kernel (port 0) for the
// protocol it is used with, unless the test names one; in the host's
// network namespace a test never names one it has seen freed, since any
// process may take a freed port.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/whoport/whoport/inspect"
)

func init() {
	childMain = holderMain
	scriptCmds["hold"] = holdInScript
}

// holderMain runs the child side. Its exit code is the test binary's.
func holderMain(mode, arg string) int {
	if mode == "whoport-fixture" { // whoport itself, on a fixture root, as whoever runs it
		id := inspect.Identity{EUID: uint32(os.Geteuid())}
		return fixtureApp(os.Stdout, os.Stderr, id).run(context.Background(), os.Args[1:])
	}
	say := func(k string, v any) { fmt.Printf("%s %v\n", k, v) }
	var keep []any // sockets and files, held until stdin closes
	fail := func(err error) int {
		fmt.Printf("error %v\n", err)
		return 3
	}
	switch mode {
	case "listen": // TCP and UDP on 127.0.0.1 and ::1
		for _, n := range []struct{ net, addr string }{
			{"tcp4", "127.0.0.1:0"}, {"tcp6", "[::1]:0"},
		} {
			l, err := net.Listen(n.net, n.addr)
			if err != nil {
				if n.net == "tcp6" {
					continue
				}
				return fail(err)
			}
			keep = append(keep, l)
			say(n.net, l.Addr().(*net.TCPAddr).Port)
		}
		for _, n := range []struct{ net, addr string }{
			{"udp4", "127.0.0.1:0"}, {"udp6", "[::1]:0"},
		} {
			c, err := net.ListenPacket(n.net, n.addr)
			if err != nil {
				if n.net == "udp6" {
					continue
				}
				return fail(err)
			}
			keep = append(keep, c)
			say(n.net, c.LocalAddr().(*net.UDPAddr).Port)
		}
	case "share": // one listener, shared with a second process
		l, f, err := listenerFile()
		if err != nil {
			return fail(err)
		}
		var env []string
		if arg == "stubborn" { // the sibling ignores SIGTERM and outlives its parent
			env = []string{"WHOPORT_TEST_IGNORE_TERM=1", "WHOPORT_TEST_STAY=1"}
		}
		sib, err := startChildEnv(os.Getenv("WHOPORT_TEST_MARKER"), "inherit", "", env, f)
		if err != nil {
			return fail(err)
		}
		keep = append(keep, l, f, sib)
		say("tcp4", l.Addr().(*net.TCPAddr).Port)
		say("sibling", sib.pid)
	case "inherit": // holds fd 3, given by its parent
		keep = append(keep, os.NewFile(3, "inherited"))
	case "listen-on": // a TCP listener on arg: 0.0.0.0:0, [::1]:8080, or dual:[::]:0 for a dual-stack one
		network := "tcp4"
		if strings.HasPrefix(arg, "[") {
			network = "tcp6"
		}
		if a, ok := strings.CutPrefix(arg, "dual:"); ok {
			network, arg = "tcp", a
		}
		l, err := net.Listen(network, arg)
		if err != nil {
			return fail(err)
		}
		keep = append(keep, l)
		say("port", l.Addr().(*net.TCPAddr).Port)
	case "tcp-udp": // TCP and UDP on one port number of 127.0.0.1
		// The kernel gives the TCP port; UDP may already have a socket
		// on that number, and then both are dropped and tried anew.
		// The listeners that were tried stay open until one fits, or the
		// kernel would hand out the same number again.
		var tried []net.Listener
		for try := 0; ; try++ {
			l, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				return fail(err)
			}
			port := l.Addr().(*net.TCPAddr).Port
			c, err := net.ListenPacket("udp4", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				tried = append(tried, l)
				if try < 200 {
					continue
				}
				return fail(err)
			}
			for _, t := range tried {
				t.Close()
			}
			keep = append(keep, l, c)
			say("port", port)
			break
		}
	case "timewait": // leaves a server-side TIME_WAIT on 127.0.0.1:PORT, and nothing else
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return fail(err)
		}
		c, err := net.Dial("tcp4", l.Addr().String())
		if err != nil {
			return fail(err)
		}
		s, err := l.Accept()
		if err != nil {
			return fail(err)
		}
		s.Close() // the server closes first: its side goes to TIME_WAIT
		io.ReadAll(c)
		c.Close()
		l.Close()
		say("port", l.Addr().(*net.TCPAddr).Port)
	case "reuseport": // a SO_REUSEPORT listener on 127.0.0.1:arg
		lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
			var serr error
			c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, 0xf /* SO_REUSEPORT */, 1) })
			return serr
		}}
		l, err := lc.Listen(context.Background(), "tcp4", "127.0.0.1:"+arg)
		if err != nil {
			return fail(err)
		}
		keep = append(keep, l)
		say("tcp4", l.Addr().(*net.TCPAddr).Port)
	case "toggle": // a TCP listener, and another opened and closed on command (watch_linux_test.go)
		return toggleMain()
	case "connect": // a TCP client of arg
		c, err := net.Dial("tcp", arg)
		if err != nil {
			return fail(err)
		}
		keep = append(keep, c)
		say("local", c.LocalAddr().(*net.TCPAddr).Port)
	case "bound": // a TCP socket bound to 127.0.0.1 that does not listen
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			return fail(err)
		}
		if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
			return fail(err)
		}
		sa, err := syscall.Getsockname(fd)
		if err != nil {
			return fail(err)
		}
		keep = append(keep, os.NewFile(uintptr(fd), "bound"))
		say("port", sa.(*syscall.SockaddrInet4).Port)
	case "respawn": // a listener that, on SIGTERM, hands it to a new child and exits
		l, f, err := listenerFile()
		if err != nil {
			return fail(err)
		}
		keep = append(keep, l, f)
		term := make(chan os.Signal, 1)
		signal.Notify(term, syscall.SIGTERM)
		go func() {
			<-term
			heir, err := startChildEnv(os.Getenv("WHOPORT_TEST_MARKER"), "inherit", "", []string{"WHOPORT_TEST_STAY=1", "WHOPORT_TEST_IGNORE_TERM=1"}, f)
			if err == nil {
				os.WriteFile(arg, []byte(fmt.Sprint(heir.pid)), 0o644) // where the test finds it
			}
			os.Exit(0)
		}()
		say("port", l.Addr().(*net.TCPAddr).Port)
	default:
		return fail(fmt.Errorf("unknown mode %q", mode))
	}
	if os.Getenv("WHOPORT_TEST_IGNORE_TERM") != "" {
		signal.Ignore(syscall.SIGTERM)
	}
	say("pid", os.Getpid())
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	if os.Getenv("WHOPORT_TEST_STAY") != "" { // outlive the parent: until killed
		select {}
	}
	_ = keep
	return 0
}

// listenerFile opens a TCP listener on 127.0.0.1 and a file of it, to
// hand to another process.
func listenerFile() (net.Listener, *os.File, error) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	f, err := l.(*net.TCPListener).File()
	if err != nil {
		l.Close()
		return nil, nil, err
	}
	return l, f, nil
}

// childMarker starts an argument every child of the test has, to find
// them by (whoport -c): the test binary's pid and the test's name, so that
// tests running in parallel do not see each other's children. A child
// passes it on to the children it starts (WHOPORT_TEST_MARKER).
func childMarker(t testing.TB) string {
	return fmt.Sprintf("whoport-e2e-%d-%s-", os.Getpid(), strings.ReplaceAll(t.Name(), " ", "_"))
}

// child is a running child process and what it said.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner // what the child writes after "ready"
	pid   int32
	said  map[string]string
}

// startChild starts the test binary in a child mode for the test and
// waits for it to be ready.
func startChild(t testing.TB, mode, arg string, files ...*os.File) (*child, error) {
	return startChildEnv(childMarker(t), mode, arg, nil, files...)
}

// startChildEnv starts a child with more environment: WHOPORT_TEST_IGNORE_TERM=1
// makes it ignore SIGTERM, WHOPORT_TEST_STAY=1 keeps it alive after its
// stdin closes, until it is killed.
func startChildEnv(marker, mode, arg string, env []string, files ...*os.File) (*child, error) {
	cmd := childCommand(os.Args[0], marker, mode, arg)
	cmd.Env = append(cmd.Env, env...)
	cmd.ExtraFiles = files
	return launch(cmd, mode)
}

// childCommand is the command that runs the test binary bin as a child in
// mode. The arguments after -- are ignored by the test binary; they mark
// the child for whoport -c.
func childCommand(bin, marker, mode, arg string) *exec.Cmd {
	cmd := exec.Command(bin, "-test.run=^$", "--", marker+mode)
	cmd.Env = append(os.Environ(), "WHOPORT_TEST_CHILD="+mode, "WHOPORT_TEST_ARG="+arg, "WHOPORT_TEST_MARKER="+marker)
	cmd.Stderr = os.Stderr
	return cmd
}

// launch starts a child command and waits for it to be ready.
func launch(cmd *exec.Cmd, mode string) (*child, error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout), pid: int32(cmd.Process.Pid), said: map[string]string{}}
	for c.out.Scan() {
		line := c.out.Text()
		if line == "ready" {
			return c, nil
		}
		k, v, _ := strings.Cut(line, " ")
		if k == "error" {
			c.stop()
			return nil, fmt.Errorf("child %s: %s", mode, v)
		}
		c.said[k] = v
	}
	c.stop()
	return nil, fmt.Errorf("child %s exited before it was ready", mode)
}

// stop closes the child's stdin and waits for it, killing it after a
// while.
func (c *child) stop() {
	c.stdin.Close()
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
}

// holdSockets starts a child for the test and stops it at the end.
func holdSockets(t *testing.T, mode, arg string) *child {
	t.Helper()
	return holdSocketsEnv(t, mode, arg, nil)
}

// holdSocketsEnv starts a child with more environment (see startChildEnv).
func holdSocketsEnv(t *testing.T, mode, arg string, env []string) *child {
	t.Helper()
	c, err := startChildEnv(childMarker(t), mode, arg, env)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.stop)
	if pid, _ := strconv.Atoi(c.said["pid"]); int32(pid) != c.pid {
		t.Fatalf("child says pid %s, started as %d", c.said["pid"], c.pid)
	}
	return c
}

// pidString is the child's pid, as an argument.
func (c *child) pidString() string { return strconv.Itoa(int(c.pid)) }

// holdInScript is the scripts' hold MODE [ARG]: a child in that mode holds
// its sockets until the script ends, and what it said is in the script's
// environment, upper-cased: $PORT, $PID, $TCP4, …
func holdInScript(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: hold MODE [ARG]")
	}
	arg := ""
	if len(args) == 2 {
		arg = args[1]
	}
	marker := fmt.Sprintf("whoport-e2e-%d-%s-", os.Getpid(), filepath.Base(ts.Getenv("WORK")))
	c, err := startChildEnv(marker, args[0], arg, nil)
	ts.Check(err)
	ts.Defer(c.stop)
	for k, v := range c.said {
		ts.Setenv(strings.ToUpper(k), v)
	}
}

func (c *child) port(t *testing.T, key string) string {
	t.Helper()
	p, ok := c.said[key]
	if !ok {
		t.Skipf("the child has no %s socket (IPv6 disabled?)", key)
	}
	return p
}
