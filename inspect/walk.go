package inspect

// Walk says how Collect found the holders of sockets, and why that way.
type Walk struct {
	// Path is "bpf" (a BPF iterator walked every descriptor table in the
	// kernel), "proc" (a walk of /proc/PID/fd), or on other systems
	// "gopsutil"; "" when no socket needed holders.
	Path string
	// Why says why Path was taken over the other, in a few words: "forced
	// by WHOPORT_WALK", "no CAP_BPF and CAP_PERFMON", "small host: 2,466
	// open files", or a load failure.
	Why string
}

// Walk modes, as WHOPORT_WALK names them.
const (
	WalkAuto = "auto" // BPF where it is allowed and pays off, else /proc
	WalkBPF  = "bpf"  // BPF where it is allowed, else /proc
	WalkProc = "proc" // always /proc
)
