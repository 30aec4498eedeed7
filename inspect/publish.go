package inspect

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/whoport/whoport/services"
)

// Forward is where a published port goes: a port of the host that a
// program or a NAT rule sends into a container's network namespace.
type Forward struct {
	// Via names what publishes the port: "docker-proxy", "dockerd",
	// "conmon", "rootlessport", "rootlesskit", "slirp4netns", "pasta",
	// "cri-o", "kubectl port-forward" or "DNAT".
	Via string
	// To is where traffic goes, when known; for a holder that only keeps
	// the port (Reservation), the address of the NAT rule that does.
	To netip.AddrPort
	// Target says where it goes when no address does: "pod/web:80".
	Target    string
	Netns     *Netns     // the namespace To is an address of, when found
	Container *Container // the container it goes to, when known
	// Reservation reports a holder that only keeps the port from others
	// (dockerd without its proxy, podman's conmon, CRI-O): traffic goes
	// by a NAT rule, not through the socket.
	Reservation bool

	netnsPath string // the namespace a forwarder names in its arguments (pasta --netns)
}

// String says where the port goes: "172.17.0.2:80 (docker:web)",
// "pod/web:80", or "" when nothing is known beyond the publisher.
func (f *Forward) String() string {
	var where string
	switch {
	case f.To.IsValid() && f.To.Addr().IsUnspecified():
		where = fmt.Sprintf("port %d", f.To.Port())
	case f.To.IsValid():
		where = f.To.String()
	default:
		where = f.Target
	}
	who := ""
	switch {
	case f.Container != nil:
		who = containerWords(f.Container)
	case f.Netns != nil && !f.Netns.Host:
		who = f.Netns.Name
	}
	switch {
	case where != "" && who != "":
		return where + " (" + who + ")"
	case who != "":
		return who
	}
	return where
}

// forwardOf recognises a holder that publishes the socket's port into a
// container, from its name and arguments, and says where the port goes
// as far as they tell. Only listening sockets of whoport's own namespace
// are published ports.
func forwardOf(p *Process, s *Socket) *Forward {
	if !s.Listening() || !s.InHost() {
		return nil
	}
	switch {
	case goesBy(p, "docker-proxy"):
		flags := argFlags(argv1(p))
		if proto := flags["proto"]; proto != "" && proto != string(s.Proto) {
			return nil
		}
		f := &Forward{Via: "docker-proxy"}
		ip, err := netip.ParseAddr(flags["container-ip"])
		port, perr := strconv.ParseUint(flags["container-port"], 10, 16)
		if err == nil && perr == nil {
			f.To = netip.AddrPortFrom(ip.Unmap(), uint16(port))
		}
		return f
	case goesBy(p, "dockerd") && s.Proto == services.TCP && s.ZeroBacklog:
		return &Forward{Via: "dockerd", Reservation: true}
	case goesBy(p, "conmon"):
		flags := argFlags(argv1(p))
		f := &Forward{Via: "conmon", Reservation: true}
		if id := cmp2(flags["c"], flags["cid"]); isContainerID(id) {
			f.Container = &Container{Runtime: "podman", ID: id, Name: cmp2(flags["n"], flags["name"])}
		}
		return f
	case goesBy(p, "crio"):
		return &Forward{Via: "cri-o", Reservation: true}
	case goesBy(p, "rootlessport"), goesBy(p, "rootlesskit"), goesBy(p, "slirp4netns"):
		return &Forward{Via: programNames(p)[0]}
	case goesBy(p, "pasta"):
		return pastaForward(argv1(p), s)
	case goesBy(p, "kubectl") && slices.Contains(p.Cmdline, "port-forward"):
		return kubectlForward(argv1(p), s)
	}
	return nil
}

func argv1(p *Process) []string {
	if len(p.Cmdline) == 0 {
		return nil
	}
	return p.Cmdline[1:]
}

// cmp2 gives a, or b when a is empty.
func cmp2(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// pastaForward reads where pasta (rootless podman's network) forwards a
// port: "-t 8080:80", "--tcp-ports 127.0.0.1/8000-8010:9000-9010", "-u
// 53", and the namespace it serves, "--netns PATH".
func pastaForward(args []string, s *Socket) *Forward {
	f := &Forward{Via: "pasta"}
	flag := "-t"
	long := "--tcp-ports"
	if s.Proto == services.UDP {
		flag, long = "-u", "--udp-ports"
	}
	var specs []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case (a == flag || a == long) && i+1 < len(args):
			specs = append(specs, args[i+1])
			i++
		case strings.HasPrefix(a, long+"="):
			specs = append(specs, strings.TrimPrefix(a, long+"="))
		case strings.HasPrefix(a, flag) && len(a) > len(flag):
			specs = append(specs, a[len(flag):])
		case a == "--netns" && i+1 < len(args):
			f.netnsPath = args[i+1]
			i++
		case strings.HasPrefix(a, "--netns="):
			f.netnsPath = strings.TrimPrefix(a, "--netns=")
		}
	}
	for _, spec := range specs {
		if to, ok := mapPort(spec, s.Local.Port()); ok {
			f.To = netip.AddrPortFrom(netip.IPv4Unspecified(), to)
			return f
		}
	}
	return f
}

// mapPort reads a port map such as pasta's "8080:80,9000-9010:7000-7010"
// or kubectl's "8080:80": comma-separated items of HOST[:TARGET], each a
// port or a range, optionally after "ADDR/"; "~" excludes. It gives the
// target of port.
func mapPort(spec string, port uint16) (uint16, bool) {
	for _, item := range strings.Split(spec, ",") {
		if strings.HasPrefix(item, "~") {
			continue
		}
		if i := strings.LastIndexByte(item, '/'); i >= 0 {
			item = item[i+1:]
		}
		host, target, mapped := strings.Cut(item, ":")
		hf, hl, ok := portSpan(host)
		if !ok || port < hf || port > hl {
			continue
		}
		if !mapped {
			return port, true
		}
		tf, _, ok := portSpan(target)
		if !ok {
			continue
		}
		return tf + (port - hf), true
	}
	return 0, false
}

// portSpan reads "80" or "8000-8010".
func portSpan(s string) (first, last uint16, ok bool) {
	a, b, isRange := strings.Cut(s, "-")
	f, err := strconv.ParseUint(a, 10, 16)
	if err != nil {
		return 0, 0, false
	}
	if !isRange {
		return uint16(f), uint16(f), true
	}
	l, err := strconv.ParseUint(b, 10, 16)
	if err != nil || l < f {
		return 0, 0, false
	}
	return uint16(f), uint16(l), true
}

// kubectlForward reads "kubectl port-forward [-n NS] pod/web 8080:80":
// where the local port goes, through the API server.
func kubectlForward(args []string, s *Socket) *Forward {
	f := &Forward{Via: "kubectl port-forward"}
	withValue := map[string]bool{"-n": true, "--namespace": true, "--address": true, "--pod-running-timeout": true,
		"--context": true, "--kubeconfig": true, "--cluster": true, "--user": true, "-s": true, "--server": true}
	var resource, namespace string
	var ports []string
	seen := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "port-forward":
			seen = true
		case withValue[a] && i+1 < len(args):
			if a == "-n" || a == "--namespace" {
				namespace = args[i+1]
			}
			i++
		case strings.HasPrefix(a, "--namespace="):
			namespace = strings.TrimPrefix(a, "--namespace=")
		case strings.HasPrefix(a, "-"):
		case seen && resource == "":
			resource = a
		case seen:
			ports = append(ports, a)
		}
	}
	if resource != "" && !strings.Contains(resource, "/") {
		resource = "pod/" + resource
	}
	remote := ""
	for _, p := range ports {
		local, r, _ := strings.Cut(p, ":")
		if r == "" {
			r = local
		}
		if n, err := strconv.ParseUint(local, 10, 16); (err == nil && uint16(n) == s.Local.Port()) || (local == "" && len(ports) == 1) {
			remote = r
		}
	}
	f.Target = resource
	if remote != "" {
		f.Target += ":" + remote
	}
	if namespace != "" {
		f.Target += " in namespace " + namespace
	}
	return f
}

// DNATRule is a NAT rule that sends traffic for some ports elsewhere: the
// way nerdctl, CNI's portmap, netavark, Kubernetes' hostPort and docker
// without its userland proxy publish ports, often with no socket
// listening on the host at all.
type DNATRule struct {
	Proto services.Proto // "" when the rule names no protocol
	Ports PortRange      // the destination ports it matches
	// To is where the rule sends them; a port of 0 keeps the port. A
	// rule over a range of ports with one port in To sends them all to
	// it, as the kernel does (it maps a port onto a range only with the
	// offset flag, which whoport does not read).
	To           netip.AddrPort
	Table, Chain string // where the rule is: "ip nat", "DOCKER"
	// Netns and Container are the namespace To is an address of, and its
	// container, when found.
	Netns     *Netns
	Container *Container
}

// Matches reports whether the rule sends proto traffic to port.
func (r *DNATRule) Matches(proto services.Proto, port uint16) bool {
	return (r.Proto == "" || proto == "" || r.Proto == proto) && r.Ports.First <= port && port <= r.Ports.Last
}

// Target gives where the rule sends traffic for port.
func (r *DNATRule) Target(port uint16) netip.AddrPort {
	if r.To.Port() == 0 {
		return netip.AddrPortFrom(r.To.Addr(), port)
	}
	return r.To
}

// Forward gives the rule as a Forward for port.
func (r *DNATRule) Forward(port uint16) *Forward {
	return &Forward{Via: "DNAT", To: r.Target(port), Netns: r.Netns, Container: r.Container}
}

// netnsFinder finds the namespace an address belongs to, the one kept at
// a path (or a pid's), and the one a container's processes use; each
// gives nil when none is known.
type netnsFinder interface {
	of(netip.Addr) *Netns
	byPath(string) *Netns
	byContainer(id string) *Netns
}

// markForwards gives each published socket its Forward, from the first of
// its holders that publishes it, and completes it from the NAT rules (a
// holder that only keeps the port) and the namespaces (whose container
// the target is).
func markForwards(socks []Socket, rules []DNATRule, find netnsFinder) {
	for i := range rules {
		r := &rules[i]
		if r.To.Addr().IsValid() {
			r.Netns = find.of(r.To.Addr())
		}
		if r.Netns != nil && r.Container == nil {
			r.Container = r.Netns.Container
		}
	}
	for i := range socks {
		s := &socks[i]
		for _, h := range s.Holders {
			if f := forwardOf(h, s); f != nil {
				s.Forward = f
				break
			}
		}
		f := s.Forward
		if f == nil {
			continue
		}
		if !f.To.IsValid() {
			for j := range rules {
				if rules[j].Matches(s.Proto, s.Local.Port()) {
					f.To = rules[j].Target(s.Local.Port())
					break
				}
			}
		}
		switch {
		case f.netnsPath != "":
			f.Netns = find.byPath(f.netnsPath)
		case f.To.IsValid() && !f.To.Addr().IsUnspecified():
			f.Netns = find.of(f.To.Addr())
		case f.Container != nil:
			f.Netns = find.byContainer(f.Container.ID)
		}
		if f.Container == nil && f.Netns != nil {
			f.Container = f.Netns.Container
		}
	}
}
