//go:build linux

// Command bench builds a loaded host on loopback and times whoport against
// ss and lsof on it, in one run, so that their ratios mean something on a
// shared and noisy machine.
//
// It starts -procs child processes, each holding -sockets sockets (TCP
// listeners, UDP sockets and connected TCP pairs on 127.0.0.1) and -fds
// other descriptors (with -procs 0, one child with one listener: an idle
// host), then runs each command -runs times, in turn: whoport as it
// chooses, and forced to its BPF and its /proc path (WHOPORT_WALK), ss,
// lsof and gopsutil. It prints the median wall time of each, the median of
// each run's ratio to ss, and whoport's peak RSS.
// The children are killed by pid when it ends, and at -deadline at the
// latest.
//
//	go run ./internal/cmd/bench -procs 300 -sockets 50 -fds 300
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
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
		build := exec.Command("go", "build", "-o", bin, "./cmd/whoport")
		build.Env = append(os.Environ(), "CGO_ENABLED=0") // as the README builds it
		if out, err := build.CombinedOutput(); err != nil {
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
	size := fmt.Sprintf("%d processes × (%d sockets + %d other fds)", procs, sockets, fds)
	if procs == 0 {
		size = "idle (one process with one listener)"
	}
	fmt.Printf("load: %s; %s sockets, %s fds on the host, %s open files; query port %s\n",
		size, countSockets(), countFDs(), openFiles(), port)
	fmt.Printf("whoport's own choice: %s\n\n", walkOf(bin, port))

	self, _ := os.Executable()
	bpf, proc := []string{"WHOPORT_WALK=bpf"}, []string{"WHOPORT_WALK=proc"}
	sets := []struct {
		title string
		cmds  []command
		base  int // the yardstick the others are compared with
		proc  int // whoport forced to its /proc path, or -1
	}{
		{"one port", []command{
			{"whoport PORT", []string{bin, port}, nil},
			{"whoport PORT, bpf path", []string{bin, port}, bpf},
			{"whoport PORT, /proc path", []string{bin, port}, proc},
			{"ss -Htanp 'sport = :PORT'", []string{"ss", "-Htanp", "sport = :" + port}, nil},
			{"lsof -nP -i :PORT", []string{"lsof", "-nP", "-i", ":" + port}, nil},
			{"gopsutil Connections + filter", []string{self, "-gopsutil", port}, nil},
		}, 3, 2},
		{"every listener", []command{
			{"whoport", []string{bin}, nil},
			{"whoport, bpf path", []string{bin}, bpf},
			{"whoport, /proc path", []string{bin}, proc},
			{"ss -tulpn", []string{"ss", "-tulpn"}, nil},
			{"lsof -nP -i -sTCP:LISTEN", []string{"lsof", "-nP", "-i", "-sTCP:LISTEN"}, nil},
		}, 3, 2},
		{"filters the kernel applies (whoport -a is the base)", []command{
			{"whoport -a", []string{bin, "-a"}, nil},
			{"whoport -p PID", []string{bin, "-p", load.pid}, nil},
			{"whoport -t --state listen", []string{bin, "-t", "--state", "listen"}, nil},
		}, 0, -1},
	}
	for _, set := range sets {
		times := make([][]time.Duration, len(set.cmds))
		for r := 0; r < runs; r++ {
			// A new order each run: a rotation kept each command after the
			// same one, and what ran before (gopsutil's 30 MB) weighed
			// on it.
			for _, j := range rand.Perm(len(set.cmds)) {
				d, err := timeOnce(set.cmds[j])
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
		yard := set.cmds[set.base]
		fmt.Printf("%s (%d runs; medians, and the median of each run's ratio to %s):\n", set.title, runs, yard.name)
		for i, c := range set.cmds {
			fmt.Printf("  %-32s %8.1f ms   %5.2f×\n", c.name, float64(median(times[i]))/1e6, pairedRatio(times[i], times[set.base]))
		}
		if set.proc >= 0 {
			fmt.Printf("  whoport vs its /proc path:        %5.2f×\n", pairedRatio(times[0], times[set.proc]))
		}
		slices.Sort(rss)
		fmt.Printf("  whoport peak RSS: median %.1f MB, max %.1f MB\n\n", float64(rss[len(rss)/2])/1024, float64(rss[len(rss)-1])/1024)
	}
	return nil
}

// pairedRatio is the median of a[r]/b[r] over the runs.
func pairedRatio(a, b []time.Duration) float64 {
	rs := make([]float64, len(a))
	for r := range a {
		rs[r] = float64(a[r]) / float64(b[r])
	}
	slices.Sort(rs)
	return rs[len(rs)/2]
}

// walkOf asks whoport which way it finds holders here, and why.
func walkOf(bin, port string) string {
	out, err := exec.Command(bin, "--json", port).Output()
	var doc struct{ Walk struct{ Path, Why string } }
	if json.Unmarshal(out, &doc) != nil {
		return fmt.Sprintf("unknown (%v)", err)
	}
	return doc.Walk.Path + " (" + doc.Walk.Why + ")"
}

type command struct {
	name string
	argv []string
	env  []string // added to ours
}

// timeOnce runs argv and returns its wall time. An exit status of 1
// (nothing found) is not an error.
func timeOnce(c command) (time.Duration, error) {
	cmd := exec.Command(c.argv[0], c.argv[1:]...)
	if c.env != nil {
		cmd.Env = append(os.Environ(), c.env...)
	}
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
	if procs == 0 { // an idle host: one small process holds the port asked about
		procs, sockets, fds = 1, 1, 0
	}
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

// openFiles is the host's count of open files, as whoport reads it.
func openFiles() string {
	b, err := os.ReadFile("/proc/sys/fs/file-nr")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
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
