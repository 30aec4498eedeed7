//go:build linux

// Command bench builds a loaded host on loopback and times whoport against
// ss and lsof on it, in one run, so that their ratios mean something on a
// shared and noisy machine.
//
// It starts -procs child processes, each holding -sockets sockets (TCP
// listeners, UDP sockets and connected TCP pairs on 127.0.0.1) and -fds
// other descriptors, then runs each command -runs times, in turn, and
// prints the median wall time of each, the ratios, and whoport's peak RSS.
// The children are killed by pid when it ends, and at -deadline at the
// latest.
//
//	go run ./internal/cmd/bench -procs 300 -sockets 50 -fds 300
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	gnet "github.com/shirou/gopsutil/v3/net"
)

func main() {
	if os.Getenv("WHOPORT_BENCH_CHILD") != "" {
		os.Exit(child())
	}
	procs := flag.Int("procs", 300, "processes to start")
	sockets := flag.Int("sockets", 50, "sockets each process holds")
	fds := flag.Int("fds", 300, "other descriptors each process holds")
	runs := flag.Int("runs", 11, "runs of each command")
	bin := flag.String("whoport", "", "the whoport binary (default: build ./cmd/whoport)")
	deadline := flag.Duration("deadline", 15*time.Minute, "kill the load and stop after this long")
	hold := flag.Duration("hold", 0, "only hold the load this long, for go test -bench or a profiler")
	flag.Parse()
	if *hold > 0 {
		load, err := startLoad(*procs, *sockets, *fds)
		if err == nil {
			fmt.Printf("holding %d processes for %v; query port %s\n", *procs, *hold, load.port)
			time.Sleep(*hold)
		}
		load.stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := bench(*procs, *sockets, *fds, *runs, *bin, *deadline); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func bench(procs, sockets, fds, runs int, bin string, deadline time.Duration) error {
	if bin == "" {
		dir, err := os.MkdirTemp("", "whoport-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		bin = filepath.Join(dir, "whoport")
		if out, err := exec.Command("go", "build", "-o", bin, "./cmd/whoport").CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	load, err := startLoad(procs, sockets, fds)
	defer load.stop()
	if err != nil {
		return err
	}
	timer := time.AfterFunc(deadline, func() {
		fmt.Fprintln(os.Stderr, "bench: deadline reached, killing the load")
		load.stop()
		os.Exit(1)
	})
	defer timer.Stop()
	port := load.port
	fmt.Printf("load: %d processes × (%d sockets + %d other fds); %s sockets, %s fds on the host; query port %s\n\n",
		procs, sockets, fds, countSockets(), countFDs(), port)

	self, _ := os.Executable()
	sets := []struct {
		title string
		cmds  []command
	}{
		{"one port", []command{
			{"whoport PORT", []string{bin, port}},
			{"ss -Htanp 'sport = :PORT'", []string{"ss", "-Htanp", "sport = :" + port}},
			{"lsof -nP -i :PORT", []string{"lsof", "-nP", "-i", ":" + port}},
			{"gopsutil Connections + filter", []string{self, "-gopsutil", port}},
		}},
		{"every listener", []command{
			{"whoport", []string{bin}},
			{"ss -tulpn", []string{"ss", "-tulpn"}},
		}},
		{"filters the kernel applies (whoport -a is the base)", []command{
			{"whoport -a", []string{bin, "-a"}},
			{"whoport -p PID", []string{bin, "-p", load.pid}},
			{"whoport -t --state listen", []string{bin, "-t", "--state", "listen"}},
		}},
	}
	for _, set := range sets {
		times := make([][]time.Duration, len(set.cmds))
		for r := 0; r < runs; r++ {
			for i := range set.cmds {
				j := (i + r) % len(set.cmds) // rotate, so no command always runs first
				d, err := timeOnce(set.cmds[j].argv)
				if err != nil {
					return fmt.Errorf("%s: %w", set.cmds[j].name, err)
				}
				times[j] = append(times[j], d)
			}
		}
		var rss []int64
		for range 3 {
			rss = append(rss, peakRSS(set.cmds[0].argv))
		}
		fmt.Printf("%s (%d runs, medians):\n", set.title, runs)
		base := median(times[0])
		for i, c := range set.cmds {
			m := median(times[i])
			ratio := ""
			if i > 0 && strings.HasPrefix(c.name, "whoport") {
				ratio = fmt.Sprintf("%.2f× the first", float64(m)/float64(base))
			} else if i > 0 {
				ratio = fmt.Sprintf("whoport is %.2f× this", float64(base)/float64(m))
			}
			fmt.Printf("  %-32s %8.1f ms   %s\n", c.name, float64(m)/1e6, ratio)
		}
		slices.Sort(rss)
		fmt.Printf("  whoport peak RSS: median %.1f MB, max %.1f MB\n\n", float64(rss[len(rss)/2])/1024, float64(rss[len(rss)-1])/1024)
	}
	return nil
}

type command struct {
	name string
	argv []string
}

// timeOnce runs argv and returns its wall time. An exit status of 1
// (nothing found) is not an error.
func timeOnce(argv []string) (time.Duration, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout = io.Discard
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
		err = nil
	}
	return d, err
}

// peakRSS runs argv under /usr/bin/time and returns its peak RSS in KiB,
// or 0 when time(1) is missing. The rusage of our own child would not do:
// Go starts it with vfork, and the kernel counts our own memory in the
// child's peak when it calls exec.
func peakRSS(argv []string) int64 {
	out, err := exec.Command("/usr/bin/time", append([]string{"-f", "%M"}, argv...)...).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 1) {
		return 0
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	kb, _ := strconv.ParseInt(lines[len(lines)-1], 10, 64)
	return kb
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// load is the children holding sockets.
type load struct {
	cmds []*exec.Cmd
	port string // a listener of the middle child
	pid  string // the middle child
}

func startLoad(procs, sockets, fds int) (*load, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	l := &load{}
	for i := 0; i < procs; i++ {
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), "WHOPORT_BENCH_CHILD=1",
			"WHOPORT_BENCH_SOCKETS="+strconv.Itoa(sockets), "WHOPORT_BENCH_FDS="+strconv.Itoa(fds))
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return l, err
		}
		_ = stdin // closed when we exit: the child then ends
		out, err := cmd.StdoutPipe()
		if err != nil {
			return l, err
		}
		if err := cmd.Start(); err != nil {
			return l, err
		}
		l.cmds = append(l.cmds, cmd)
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "port ") {
			return l, fmt.Errorf("child %d: %q %v", cmd.Process.Pid, line, err)
		}
		if i == procs/2 {
			l.port = strings.TrimSpace(strings.TrimPrefix(line, "port "))
			l.pid = strconv.Itoa(cmd.Process.Pid)
		}
	}
	return l, nil
}

// stop kills every child by pid and reaps it.
func (l *load) stop() {
	for _, c := range l.cmds {
		c.Process.Kill()
	}
	for _, c := range l.cmds {
		c.Wait()
	}
	l.cmds = nil
}

// child holds its sockets and descriptors until its stdin closes.
func child() int {
	sockets, _ := strconv.Atoi(os.Getenv("WHOPORT_BENCH_SOCKETS"))
	fds, _ := strconv.Atoi(os.Getenv("WHOPORT_BENCH_FDS"))
	var keep []io.Closer
	first := ""
	for n := 0; n < sockets; {
		switch n % 5 {
		case 0, 1: // a listener
			ln, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				fmt.Println("error", err)
				return 1
			}
			if first == "" {
				first = strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
			}
			keep = append(keep, ln)
			n++
		case 2: // a UDP socket
			c, err := net.ListenPacket("udp4", "127.0.0.1:0")
			if err != nil {
				fmt.Println("error", err)
				return 1
			}
			keep = append(keep, c)
			n++
		default: // a connected pair, both ends held here
			ln := keep[len(keep)-3].(net.Listener)
			c, err := net.Dial("tcp4", ln.Addr().String())
			if err != nil {
				fmt.Println("error", err)
				return 1
			}
			s, err := ln.Accept()
			if err != nil {
				fmt.Println("error", err)
				return 1
			}
			keep = append(keep, c, s)
			n += 2
		}
	}
	for i := 0; i < fds; i++ {
		f, err := os.Open(os.DevNull)
		if err != nil {
			fmt.Println("error", err)
			return 1
		}
		keep = append(keep, f)
	}
	fmt.Println("port", first)
	io.Copy(io.Discard, os.Stdin)
	for _, c := range keep {
		c.Close()
	}
	return 0
}

func countSockets() string {
	out, err := exec.Command("ss", "-Htan").Output()
	if err != nil {
		return "?"
	}
	return strconv.Itoa(strings.Count(string(out), "\n"))
}

func countFDs() string {
	dirs, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	return strconv.Itoa(len(dirs))
}

func init() {
	// bench -gopsutil PORT: what the design's reference library costs for
	// the same question, net.Connections and a filter on the port.
	if len(os.Args) == 3 && os.Args[1] == "-gopsutil" {
		conns, err := gnet.ConnectionsWithContext(context.Background(), "inet")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		n := 0
		for _, c := range conns {
			if strconv.Itoa(int(c.Laddr.Port)) == os.Args[2] {
				n++
			}
		}
		fmt.Println(n)
		os.Exit(0)
	}
}
