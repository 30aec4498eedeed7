package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/whoport/whoport/inspect"
)

// byProcess writes the sockets grouped by process: each process once, with
// every socket it holds, nested under its parent when the parent holds
// sockets too (a forked server's workers under their master). Sockets
// with no holder seen come last.
func (r *renderer) byProcess(socks []inspect.Socket) {
	procs := map[int32]*inspect.Process{}
	held := map[int32][]*inspect.Socket{}
	var orphans []*inspect.Socket
	for i := range socks {
		s := &socks[i]
		for _, h := range s.Holders {
			procs[h.PID] = h
			held[h.PID] = append(held[h.PID], s)
		}
		if len(s.Holders) == 0 {
			orphans = append(orphans, s)
		}
	}
	children := map[int32][]int32{}
	var roots []int32
	for pid, p := range procs {
		if _, ok := procs[p.PPID]; ok && p.PPID != pid {
			children[p.PPID] = append(children[p.PPID], pid)
		} else {
			roots = append(roots, pid)
		}
	}
	slices.Sort(roots)
	seen := map[int32]bool{}
	var walk func(pid int32, depth int)
	walk = func(pid int32, depth int) {
		if seen[pid] {
			return
		}
		seen[pid] = true
		p, indent := procs[pid], strings.Repeat("    ", depth)
		facts := append([]string{userName(p.UID, p.User)}, r.lifeFacts(p)...)
		facts = append(facts, whereFacts(p)...)
		fmt.Fprintf(r.w, "%s%s  %s  %s\n", indent, r.p.pid(fmt.Sprintf("pid %d", p.PID)),
			commandLine(p.Cmdline, p.Name), r.p.dim("("+strings.Join(facts, ", ")+")"))
		if parent, ok := procs[p.PPID]; ok && slices.Equal(held[pid], held[parent.PID]) {
			fmt.Fprintf(r.w, "%s  %s\n", indent, r.p.dim(fmt.Sprintf("the same %d %s as its parent",
				len(held[pid]), plural(len(held[pid]), "socket", "sockets"))))
		} else {
			for _, s := range held[pid] {
				fmt.Fprintf(r.w, "%s  %s\n", indent, r.socketWords(s))
			}
		}
		kids := children[pid]
		slices.Sort(kids)
		for _, c := range kids {
			walk(c, depth+1)
		}
	}
	for _, pid := range roots {
		walk(pid, 0)
	}
	if len(orphans) > 0 {
		fmt.Fprintln(r.w, "no holder seen")
		for _, s := range orphans {
			fmt.Fprintf(r.w, "  %s  %s\n", r.socketWords(s), r.p.dim(r.noHolder(s)+"; socket of "+owner(s.UID, s.User)))
		}
	}
	fmt.Fprintln(r.w, r.p.dim(summary(socks)))
}

// socketWords writes "tcp 0.0.0.0:80 http (system)", with "+v4" for a
// dual-stack wildcard as the listing has it, the state and the peer when
// it is not a listener, and "-" for a port without a service name.
func (r *renderer) socketWords(s *inspect.Socket) string {
	w := fmt.Sprintf("%-3s %s", s.Proto, endpoint(s.Local))
	if dual, known := s.DualStack(); dual {
		w += " +v4"
	} else if !known {
		w += " +v4?"
	}
	if !s.Listening() {
		w += " " + r.p.state(s.State.Name(s.Proto))
		if s.Remote.Port() != 0 {
			w += " ⇄ " + endpoint(s.Remote)
		}
	}
	w += "  " + r.p.name(serviceName(s)) + " " + r.p.dim("("+s.Port.Class.String()+")")
	if where := elsewhere(s); where != "" {
		w += " " + r.p.name(where)
	}
	return w
}
