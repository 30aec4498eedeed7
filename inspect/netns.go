package inspect

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Netns is a network namespace: its own interfaces, addresses, socket
// tables and NAT rules. A container without host networking has one of
// its own, so a server on 0.0.0.0:5432 inside it does not take the
// host's port 5432.
type Netns struct {
	Inode uint64 // the N of net:[N], as /proc/PID/ns/net reads; 0 when unknown (a fixture)
	// Name is how whoport calls it: "host" for whoport's own namespace,
	// else the container or pod whose processes use it, its ip netns
	// name, or "netns:[N]".
	Name string
	Host bool // whoport's own namespace
	// Container is the container whose processes use the namespace (the
	// first one found: the containers of a pod share one); nil when none.
	Container *Container
	// Path is the file the namespace is kept open by, when there is one:
	// /run/netns/NAME (ip netns, podman) or /var/run/docker/netns/ID.
	Path string
	PID  int32 // a process in the namespace, 0 when none was found
	// Skipped says why the namespace's sockets could not be read
	// (entering it was refused: not root); "" when they were read.
	Skipped string
}

// IPNetnsName gives the name ip netns knows the namespace by, or "".
func (n *Netns) IPNetnsName() string {
	if n == nil || n.Path == "" {
		return ""
	}
	return path.Base(n.Path)
}

// The scopes of Filter.Netns besides a name or a pid.
const (
	NetnsHost = "host" // whoport's own network namespace only (also the empty scope)
	NetnsAll  = "all"  // every network namespace whoport can find
)

// name gives a namespace its name: see Netns.Name.
func (n *Netns) name() string {
	switch {
	case n.Host:
		return NetnsHost
	case n.Container != nil:
		return containerWords(n.Container)
	case n.Path != "":
		return path.Base(n.Path)
	}
	return fmt.Sprintf("netns:[%d]", n.Inode)
}

// containerWords names a container as people know it: "docker:web" (its
// name, where the runtime keeps one), "podman:3f2a1b9c8d7e" (its short
// id), or for a Kubernetes pod "pod:0f1e2d3c".
func containerWords(c *Container) string {
	switch {
	case c.Pod != "":
		return "pod:" + shortPod(c.Pod)
	case c.Name != "":
		return c.Runtime + ":" + c.Name
	}
	return c.Runtime + ":" + c.ShortID()
}

func shortPod(uid string) string {
	if i := strings.IndexByte(uid, '-'); i > 0 {
		return uid[:i]
	}
	return uid
}

// matchesScope reports whether the namespace is one the scope names:
// "" and "host" whoport's own, "all" any, else its name, its ip netns
// name, or its container's name or id (a prefix of 12 digits or more is
// enough, as docker accepts). A pid is resolved by the collector.
func (n *Netns) matchesScope(scope string) bool {
	switch scope {
	case "", NetnsHost:
		return n.Host
	case NetnsAll:
		return true
	}
	if scope == n.Name || scope == n.IPNetnsName() || scope == fmt.Sprintf("netns:[%d]", n.Inode) ||
		scope == strconv.FormatUint(n.Inode, 10) && n.Inode != 0 {
		return true
	}
	if c := n.Container; c != nil {
		return scope == c.Name || len(scope) >= 12 && strings.HasPrefix(c.ID, scope) ||
			c.Pod != "" && (scope == c.Pod || scope == shortPod(c.Pod))
	}
	return false
}

// ScopeError is a --netns scope that names no namespace whoport found.
type ScopeError struct {
	Scope string
	Known []string // the names of the namespaces found
}

func (e *ScopeError) Error() string {
	known := "only host"
	if len(e.Known) > 0 {
		known = strings.Join(e.Known, ", ")
	}
	return fmt.Sprintf("no network namespace %q: use host, all, a pid, or a name (%s)", e.Scope, known)
}

// InHost reports whether the socket is in whoport's own network
// namespace: there it takes the port from whoever binds it on this host.
// A socket whose namespace is unknown counts as the host's.
func (s *Socket) InHost() bool { return s.Netns == nil || s.Netns.Host }
