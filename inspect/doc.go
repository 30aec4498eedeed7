// Package inspect ties the host's TCP and UDP sockets to the processes that
// hold them, and draws conclusions from them: which sockets a query names,
// who holds a port, and why a bind would fail.
//
// One place touches the operating system: [System.Collect]. On Linux it reads
// the kernel's socket tables itself (sock_diag netlink for the live host, the
// /proc/net/{tcp,tcp6,udp,udp6} files for any other /proc root) and finds
// every holder of a socket with a BPF iterator on a big host where that is
// allowed, else in one parallel walk of /proc/*/fd (Snapshot.Walk says
// which); process details come from /proc/PID. Elsewhere gopsutil supplies
// both.
// Everything else in the package is pure functions over plain data.
//
// Missing privileges are data, not errors: a socket whose holder could not be
// seen carries its owner's uid and says that its holders are hidden.
package inspect
