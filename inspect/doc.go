// Package inspect ties the host's TCP and UDP sockets to the processes that
// hold them, and draws conclusions from them: which sockets a query names,
// who holds a port, why a bind would fail, what to signal to free it, and
// what an audit finds.
//
// # One door to the host
//
// Everything that reads the host or acts on it is a method of [System], and
// nothing else in the package touches the operating system. A System is
// opened with [Open] from a proc root, which is checked first (it must be a
// procfs mount); tests reach fixture trees through [Fixture].
//
//   - [System.Collect] reads the socket tables and finds their holders. On
//     Linux the live host's tables come from sock_diag netlink
//     (sockdiag_linux.go), with the [Filter]'s protocols, families, states
//     and ports applied by the kernel; any other root, or a host that
//     refuses netlink, is read from PROC/net/{tcp,tcp6,udp,udp6}
//     (net_tcp.go). Holders are found by a BPF iterator that walks every
//     descriptor table in the kernel, one process at a time on every core
//     where the kernel allows, on a big host where that is allowed
//     (walk_linux.go, walk_bpf_linux.go, bpf/holders.c, loaded by
//     bpfload_linux.go), else in one
//     parallel walk of PROC/*/fd (fd_linux.go), which on a small host runs
//     beside the dump; for [Filter.PIDs] the named processes are read
//     first and the tables keep only their sockets; [Snapshot.Walk] says
//     which. What does not depend on the tables (the kernel's BTF, the
//     namespaces, the NAT rules) is read in the background meanwhile. Process
//     details come from PROC/PID/{status,comm,exe,cmdline,stat,cgroup,
//     environ} (process_linux.go, stat_linux.go, cgroup.go).
//     [Filter.Netns] adds other network namespaces, found from
//     PROC/*/ns/net, /run/netns and /var/run/docker/netns and named from
//     their processes' containers (netns_linux.go, containername_linux.go):
//     each is read by sock_diag on a netlink socket opened inside it by a
//     locked thread that enters with setns and returns, or from
//     PROC/PID/net. After the walk it says who has the sockets no process
//     holds, naming tunnel devices over rtnetlink (holderless.go,
//     tunnel_linux.go), where published ports go, from holders' arguments
//     and PROC/PID/net/{fib_trie,if_inet6} (publish.go, netns_addrs.go), and
//     for [Filter.DNAT] the NAT rules of whoport's own namespace, read from
//     nftables (dnat_linux.go). [Filter.NoHolders] asks for the tables
//     alone, which cost milliseconds where the holders cost a walk: what
//     completion and watch read again and again. Elsewhere gopsutil's
//     net.Connections supplies sockets and holders (collect_other.go).
//   - [System.OpenFiles] reads PROC/sys/fs/file-nr, the size of a walk;
//     [System.Processes] lists pids with their names and users
//     (names_linux.go, names_other.go), and [System.Users] the accounts of
//     /etc/passwd (users_list.go): what a shell's completion offers.
//   - [System.NetConfig] reads the kernel's port settings under
//     PROC/sys/net (sysctl.go).
//   - [System.Probe] binds a socket and closes it (probe_unix.go,
//     probe_windows.go); [System.Signal] and [System.Same] signal a process
//     after checking its start time (signal_linux.go, signal_other.go).
//     Both refuse, with [ErrNotLive], on a System that is not the live host.
//   - [System.Identity] is who whoport runs as (open_linux.go), and
//     [System.LookupUID] and the user names on sockets and processes come
//     from the user database (users.go, process.go). [System.Registry] is
//     the port registry, with the live host's /etc/services.
//
// Everything else (queries, filters, [Exposed], [Explain], [PlanKill],
// [WaitUntil], [FreePorts], [Audit]) is pure functions over plain data; those that must
// probe or wait take a [Prober] and a [Clock], so tests give them fakes.
//
// Missing privileges are data, not errors: a socket whose holder could not
// be seen carries its owner's uid and says that its holders are hidden, and
// the snapshot says why (unreadable processes, a hidepid mount).
package inspect
