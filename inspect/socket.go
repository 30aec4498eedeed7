package inspect

import (
	"net/netip"
	"strings"
	"time"

	"github.com/whoport/whoport/services"
)

// Family is a socket's address family.
type Family uint8

const (
	IPv4 Family = 4
	IPv6 Family = 6
)

func (f Family) String() string {
	if f == IPv6 {
		return "ipv6"
	}
	return "ipv4"
}

// State is a socket's state as the kernel numbers TCP states
// (include/net/tcp_states.h). UDP sockets use Close when bound and
// unconnected and Established when connected.
type State uint8

const (
	Established State = 1 + iota
	SynSent
	SynRecv
	FinWait1
	FinWait2
	TimeWait
	Close
	CloseWait
	LastAck
	Listen
	Closing
	NewSynRecv
)

var tcpStates = [...]string{
	Established: "ESTABLISHED",
	SynSent:     "SYN_SENT",
	SynRecv:     "SYN_RECV",
	FinWait1:    "FIN_WAIT1",
	FinWait2:    "FIN_WAIT2",
	TimeWait:    "TIME_WAIT",
	Close:       "CLOSE",
	CloseWait:   "CLOSE_WAIT",
	LastAck:     "LAST_ACK",
	Listen:      "LISTEN",
	Closing:     "CLOSING",
	NewSynRecv:  "NEW_SYN_RECV",
}

// Name gives the state's name for a socket of protocol p: the TCP names
// used by ss and netstat, and for UDP "BOUND" (unconnected) or "CONNECTED".
func (s State) Name(p services.Proto) string {
	if p == services.UDP {
		switch s {
		case Close:
			return "BOUND"
		case Established:
			return "CONNECTED"
		}
	}
	if int(s) < len(tcpStates) && tcpStates[s] != "" {
		return tcpStates[s]
	}
	return "UNKNOWN"
}

// Socket is one TCP or UDP socket and the processes that hold it.
type Socket struct {
	Proto  services.Proto // services.TCP or services.UDP
	Family Family         // of the socket; an IPv6 socket may carry IPv4-mapped addresses
	Local  netip.AddrPort // IPv4-mapped addresses are unmapped
	Remote netip.AddrPort // the zero address and port 0 when not connected
	State  State
	// V6Only reports that an IPv6 socket bound to the wildcard does not
	// also serve IPv4. The /proc/net tables do not say: read from them,
	// an IPv6 socket has V6OnlyUnknown set, and V6Only false.
	V6Only        bool
	V6OnlyUnknown bool
	UID           uint32        // the socket's owner, known even when its holders are hidden
	User          string        // the owner's name, "" when the user database lacks it
	Inode         uint64        // 0 for TIME_WAIT and other sockets no file refers to
	Timer         time.Duration // time left on the socket's timer (TIME_WAIT), when the kernel tells
	// Port is what the registry says of the local port for the socket's
	// protocol: its class, status and services.
	Port services.Port

	// Holders are the processes with a file descriptor for the socket,
	// sorted by pid: a forked server and its workers share one socket.
	Holders []*Process
	// Hidden reports that the socket has an inode but no holder was found
	// while some processes' descriptors could not be read: the holder is
	// most likely one of those.
	Hidden bool

	// Where the socket lives, and who holds it when no process does
	// (issue 11; see netns.go, holderless.go, publish.go).
	Netns *Netns // its network namespace; nil when unknown (not Linux)
	// Kernel reports a socket with an inode and no holder while every
	// process was read: the kernel's own (a tunnel device's, NFS's).
	Kernel bool
	Device string // for a kernel socket, the device that owns it: "vxlan vx0"
	// Orphaned reports a TCP socket that its last holder closed and the
	// kernel is still closing (FIN_WAIT1, FIN_WAIT2, CLOSING, LAST_ACK):
	// it goes away by itself when Timer runs out.
	Orphaned bool
	// ZeroBacklog reports a TCP listener with a backlog of 0 (sock_diag):
	// it takes no connections and only keeps the port, as dockerd does
	// for a published port when its userland proxy is off.
	ZeroBacklog bool
	// Forward says where a published port goes, when a holder publishes
	// it into a container; nil otherwise.
	Forward *Forward
}

// Listening reports whether the socket waits for others: a TCP listener or
// a bound, unconnected UDP socket.
func (s *Socket) Listening() bool {
	if s.Proto == services.UDP {
		return s.State == Close
	}
	return s.State == Listen
}

// Process is a process that holds a socket. Facts that could not be read
// are left at their zero value.
type Process struct {
	PID     int32
	PPID    int32
	Name    string
	UID     uint32
	User    string
	Exe     string
	Cmdline []string
	Started time.Time
	// StartTicks is the start time in clock ticks after boot (Linux,
	// /proc/PID/stat field 22): with the pid, the identity of a process
	// that must be re-checked before it is signalled.
	StartTicks uint64
	// NetBindService reports CAP_NET_BIND_SERVICE in the effective
	// capabilities (Linux): the process may bind ports below
	// net.ipv4.ip_unprivileged_port_start without being root.
	NetBindService bool
	// ExeDeleted reports that the executable was deleted or replaced
	// since the process started (Exe is its old path).
	ExeDeleted bool

	// Who the process really is, where Linux tells (each "" or nil when
	// unknown):
	Unit        string     // the systemd unit: "nginx.service"
	UserUnit    bool       // Unit belongs to a user's service manager
	SocketUnits []string   // the .socket units that passed it sockets
	Container   *Container // the container it runs in
	ForwardsTo  string     // for docker-proxy, where it forwards: "172.17.0.2:80/tcp"
}

// DualStack reports whether the socket is an IPv6 wildcard that also takes
// IPv4, and whether that is known: a table that does not say
// (/proc/net) gives known false.
func (s *Socket) DualStack() (dual, known bool) {
	if s.Local.Addr() != netip.IPv6Unspecified() {
		return false, true
	}
	return !s.V6Only && !s.V6OnlyUnknown, !s.V6OnlyUnknown
}

// Snapshot is what Collect saw.
type Snapshot struct {
	Sockets []Socket
	// Unreadable lists the processes whose file descriptors could not be
	// read: other users' processes without root, or processes a sandbox
	// hides even from root. Sockets that may be theirs have Hidden set.
	Unreadable []int32
	// Hidepid is the mount option that hid other users' processes from
	// the walk altogether ("hidepid=2"), or "". Sockets that may be
	// theirs have Hidden set.
	Hidepid string
	// Searched lists the only processes whose descriptors were read, when
	// the filter named its holders by pid: those, and their parents and
	// children. Other processes holding the same sockets are not among the
	// Holders. nil when every process was searched.
	Searched []int32
	// NoSuchPIDs lists the pids the filter named that are no process of
	// the proc root (exited, or never were), sorted.
	NoSuchPIDs []int32
	// Warnings are lines of the socket tables that could not be parsed.
	Warnings []string
	// Source names where the socket table came from: "sock_diag",
	// "/proc/net" or "gopsutil".
	Source string
	// Fallback says why the table did not come from sock_diag on a host
	// where it should have: "" when it did.
	Fallback string
	// Walk says how the holders were found, and why that way.
	Walk Walk

	// Namespaces are the network namespaces whose sockets were asked for,
	// whoport's own first; those that could not be read say why
	// (Netns.Skipped). Empty where namespaces are unknown (not Linux).
	Namespaces []*Netns
	// NetnsUnknown lists the processes whose network namespace could not
	// be read (other users' processes, without root; pid 1 in some
	// sandboxes): sockets in namespaces only they use are missing.
	NetnsUnknown []int32
	// DNAT lists the NAT rules of whoport's own namespace that send the
	// ports asked for elsewhere, whether or not a socket listens there.
	DNAT []DNATRule
	// DNATSkipped says why the NAT rules could not be read; "" when they
	// were, or were not asked for.
	DNATSkipped string
}

// Where the socket tables come from.
const (
	SourceSockDiag = "sock_diag"
	SourceProcNet  = "/proc/net"
	SourceGopsutil = "gopsutil"
)

// stateAliases are the other names ss and netstat give states.
var stateAliases = map[string]State{
	"ESTAB": Established, "UNCONN": Close, "BOUND": Close, "CONNECTED": Established,
	"SYN-SENT": SynSent, "SYN-RECV": SynRecv, "FIN-WAIT-1": FinWait1, "FIN-WAIT-2": FinWait2,
	"FIN_WAIT_1": FinWait1, "FIN_WAIT_2": FinWait2, "TIME-WAIT": TimeWait, "CLOSE-WAIT": CloseWait,
	"LAST-ACK": LastAck,
}

// ParseState reads a state as whoport, ss or netstat name it, in any
// case: LISTEN, ESTABLISHED or ESTAB, TIME_WAIT or TIME-WAIT, and for UDP
// BOUND (ss: UNCONN) or CONNECTED.
func ParseState(name string) (State, bool) {
	n := strings.ToUpper(name)
	for st, s := range tcpStates {
		if s != "" && s == n {
			return State(st), true
		}
	}
	st, ok := stateAliases[n]
	return st, ok
}
