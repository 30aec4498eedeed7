package inspect

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode"

	"github.com/whoport/whoport/services"
)

// Severity is how much an audit finding matters.
type Severity uint8

// The severities, lowest first. The zero Severity is unset.
const (
	SeverityInfo Severity = 1 + iota // worth knowing; often by design
	SeverityWarn                     // likely a mistake: look at it
	SeverityHigh                     // a risk to fix now
)

var severityNames = [...]string{SeverityInfo: "info", SeverityWarn: "warn", SeverityHigh: "high"}

// String returns "info", "warn" or "high".
func (s Severity) String() string {
	if int(s) < len(severityNames) && severityNames[s] != "" {
		return severityNames[s]
	}
	return fmt.Sprintf("Severity(%d)", s)
}

// ParseSeverity reads "info", "warn" or "high", in any case.
func ParseSeverity(name string) (Severity, error) {
	for s, n := range severityNames {
		if n != "" && strings.EqualFold(n, name) {
			return Severity(s), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q: use info, warn or high", name)
}

// MarshalText returns s.String(), so that s reads as a word in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// The audit's rules. Their ids stay the same from release to release.
const (
	// RuleHiddenHolder: a listening socket whose holder could not be seen,
	// so that the rules about holders could not check it (warn).
	RuleHiddenHolder = "hidden-holder"
	// RuleUnexpectedProgram: a system port held by a program other than
	// those that usually serve the port's IANA service (warn).
	RuleUnexpectedProgram = "unexpected-program"
	// RuleNonRoot: a system port bound by a process that is not root:
	// through CAP_NET_BIND_SERVICE (info), or because
	// net.ipv4.ip_unprivileged_port_start was lowered (warn).
	RuleNonRoot = "non-root-system-port"
	// RulePlaintextExposed: a clear-text protocol listening beyond
	// loopback without its TLS variant on the host (warn; high for telnet
	// and ftp, which have none).
	RulePlaintextExposed = "plaintext-exposed"
	// RuleLocalServiceExposed: a database, cache or development server
	// on a wildcard or public address (warn; high for those that need
	// no password by default).
	RuleLocalServiceExposed = "local-service-exposed"
	// RuleEphemeralRange: a TCP listener in net.ipv4.ip_local_port_range,
	// where an outgoing connection may take its port first (info).
	RuleEphemeralRange = "ephemeral-range"
)

// AuditRules lists the ids of the audit's rules.
func AuditRules() []string {
	return []string{RuleHiddenHolder, RuleUnexpectedProgram, RuleNonRoot, RulePlaintextExposed, RuleLocalServiceExposed, RuleEphemeralRange}
}

// AuditFinding is one thing the audit found about a listening socket.
type AuditFinding struct {
	Rule     string // one of the Rule constants
	Severity Severity
	Socket   *Socket
	// Holder is the process the finding is about, the first of a forked
	// server's holders; nil when no holder could be seen.
	Holder *Process
	// Message is one sentence: what was found, why it matters, and what
	// to do. It quotes process names and users as they are: escape it
	// before it reaches a terminal.
	Message string
	// Accepted reports that the policy accepts the finding.
	Accepted bool
}

// Audit checks the listening sockets among socks (TCP listeners and
// bound UDP sockets; others are ignored) against the audit's rules, with
// the kernel's configuration cfg, the service names of reg, and the
// policy p, which may add expected programs, change severities and
// accept findings. Findings come highest severity first, then in the
// order of socks. Rules that rest on a setting cfg could not read
// (Guessed) are skipped rather than guessed. A socket in another network
// namespace (a container's) exposes nothing of the host, whatever its
// address, and lives under that namespace's own port settings: only the
// rules about holders judge it; the host's side of a published port is
// judged where it listens.
func Audit(socks []Socket, cfg NetConfig, reg *services.Registry, p Policy) []AuditFinding {
	a := auditor{cfg: cfg, reg: reg, policy: p, tlsPorts: make(map[uint16]bool)}
	for i := range socks {
		if s := &socks[i]; s.Listening() && s.Proto == services.TCP && !s.Local.Addr().IsLoopback() && s.InHost() {
			a.tlsPorts[s.Local.Port()] = true
		}
	}
	type ranked struct {
		AuditFinding
		order int
	}
	var found []ranked
	rules := []func(*Socket) (AuditFinding, bool){a.hidden, a.unexpected, a.nonRoot, a.plaintext, a.localExposed, a.ephemeral}
	for i := range socks {
		s := &socks[i]
		if !s.Listening() {
			continue
		}
		for _, rule := range rules {
			if f, ok := rule(s); ok {
				f.Socket, f.Holder = s, firstHolder(s)
				p.apply(&f)
				found = append(found, ranked{f, len(found)})
			}
		}
	}
	slices.SortFunc(found, func(x, y ranked) int {
		return cmp.Or(-cmp.Compare(x.Severity, y.Severity), cmp.Compare(x.order, y.order))
	})
	out := make([]AuditFinding, len(found))
	for i, f := range found {
		out[i] = f.AuditFinding
	}
	return out
}

// auditor holds what the rules share.
type auditor struct {
	cfg      NetConfig
	reg      *services.Registry
	policy   Policy
	tlsPorts map[uint16]bool // TCP ports with a listener beyond loopback
}

// hidden reports a socket no holder of which could be seen.
func (a *auditor) hidden(s *Socket) (AuditFinding, bool) {
	if !s.Hidden {
		return AuditFinding{}, false
	}
	return AuditFinding{Rule: RuleHiddenHolder, Severity: SeverityWarn,
		Message: fmt.Sprintf("No holder of %s %s, a socket of %s, could be seen, so the rules about holders could not check it; audit as root, and if even root cannot see it, find out what hides it.",
			s.Proto, addrPort(s.Local), ownerWords(s)),
	}, true
}

// expectedPrograms names the programs that usually serve IANA services on
// system ports; the unexpected-program rule reports a holder that is
// none of them. A name matches a process's executable's base name, its
// name (comm, which the kernel cuts to 15 bytes) or the first word of its
// argv[0] ("nginx: master process" is nginx). A policy's "expect" adds
// names, and services.
var expectedPrograms = map[string][]string{
	"ssh":          {"sshd", "dropbear", "tinysshd"},
	"telnet":       {"telnetd", "in.telnetd", "utelnetd"},
	"ftp":          {"vsftpd", "proftpd", "pure-ftpd", "in.ftpd", "ftpd"},
	"smtp":         mailTransfer,
	"submission":   mailTransfer,
	"submissions":  mailTransfer,
	"domain":       {"named", "dnsmasq", "unbound", "systemd-resolved", "coredns", "pdns_server", "pdns_recursor", "knotd", "kresd", "nsd", "dnscrypt-proxy", "pihole-FTL", "aardvark-dns"},
	"bootps":       {"dhcpd", "dnsmasq", "kea-dhcp4", "udhcpd", "systemd-networkd"},
	"bootpc":       {"dhclient", "dhcpcd", "NetworkManager", "systemd-networkd", "udhcpc"},
	"tftp":         {"in.tftpd", "tftpd", "dnsmasq"},
	"http":         webServers,
	"https":        webServers,
	"kerberos":     {"krb5kdc", "kdc", "samba"},
	"pop3":         mailAccess,
	"pop3s":        mailAccess,
	"imap":         mailAccess,
	"imaps":        mailAccess,
	"sunrpc":       {"rpcbind", "portmap"},
	"ntp":          {"chronyd", "ntpd"},
	"netbios-ns":   {"nmbd", "samba"},
	"netbios-dgm":  {"nmbd", "samba"},
	"netbios-ssn":  {"smbd", "samba"},
	"microsoft-ds": {"smbd", "samba"},
	"snmp":         {"snmpd"},
	"ldap":         {"slapd", "ns-slapd", "samba"},
	"ldaps":        {"slapd", "ns-slapd", "samba"},
	"ipp":          {"cupsd"},
	"printer":      {"lpd", "cupsd", "cups-lpd"},
	"rsync":        {"rsync"},
	"syslog":       {"rsyslogd", "syslog-ng", "syslogd"},
}

var (
	mailTransfer = []string{"master" /* postfix */, "exim", "exim4", "sendmail", "smtpd" /* OpenSMTPD */, "opensmtpd"}
	webServers   = []string{"nginx", "apache2", "httpd", "caddy", "lighttpd", "haproxy", "traefik", "envoy", "varnishd", "h2o", "openresty"}
	mailAccess   = []string{"dovecot", "imap-login", "pop3-login", "imapd", "pop3d", "cyrmaster"}
)

// socketPassers hold sockets for other programs: systemd and inetd pass
// them to the services they start, docker-proxy and its kin forward them
// into containers. The program behind them cannot be seen, so they are
// not held against a port.
var socketPassers = []string{"systemd", "inetd", "xinetd", "docker-proxy", "rootlessport", "slirp4netns", "pasta"}

// unexpected reports a system port whose holders are not among the
// programs expected for its service.
func (a *auditor) unexpected(s *Socket) (AuditFinding, bool) {
	port := s.Local.Port()
	if services.ClassOf(port) != services.System || len(s.Holders) == 0 {
		return AuditFinding{}, false
	}
	service, expected := a.expected(port, s.Proto)
	if service == "" {
		return AuditFinding{}, false
	}
	var others []*Process // holders that are not socket passers
	for _, h := range s.Holders {
		if !goesByAny(h, socketPassers) {
			others = append(others, h)
		}
	}
	if len(others) == 0 || slices.ContainsFunc(others, func(h *Process) bool { return goesByAny(h, expected) }) {
		return AuditFinding{}, false
	}
	names := expected
	if len(names) > 3 {
		names = append(names[:3:3], "…")
	}
	h := others[0]
	return AuditFinding{Rule: RuleUnexpectedProgram, Severity: SeverityWarn,
		Message: fmt.Sprintf("Port %d (%s) is held by %s, which is not a program that usually serves %s (%s); make sure it is the server you meant to run there, or add it to \"expect\" in the audit's policy.",
			port, service, pidAndProgram(h), service, strings.Join(names, ", ")),
	}, true
}

// expected gives the first service name of the port that has expected
// programs, and those programs, the policy's included.
func (a *auditor) expected(port uint16, proto services.Proto) (string, []string) {
	for _, svc := range a.reg.Port(port, proto).Services {
		name := strings.ToLower(svc.Name)
		if progs := a.policy.Expect[name]; len(progs) > 0 || len(expectedPrograms[name]) > 0 {
			return name, append(slices.Clip(expectedPrograms[name]), progs...)
		}
	}
	return "", nil
}

// nonRoot reports a system port bound by a process that is not root: no
// holder runs as root and the socket is not root's. A socket that root
// opened and handed over (socket activation, a server that drops its
// privileges after binding) is the safe way, and is not reported.
func (a *auditor) nonRoot(s *Socket) (AuditFinding, bool) {
	port := s.Local.Port()
	if services.ClassOf(port) != services.System || s.UID == 0 || !s.InHost() || // another namespace has its own port_start
		slices.ContainsFunc(s.Holders, func(h *Process) bool { return h.UID == 0 }) {
		return AuditFinding{}, false
	}
	who := "a hidden process"
	if h := firstHolder(s); h != nil {
		who = pidAndProgram(h)
	}
	start := a.cfg.UnprivilegedPortStart
	switch {
	case port >= start && !slices.Contains(a.cfg.Guessed, "ipv4.ip_unprivileged_port_start"):
		return AuditFinding{Rule: RuleNonRoot, Severity: SeverityWarn,
			Message: fmt.Sprintf("Port %d is held by %s as %s, not root, because net.ipv4.ip_unprivileged_port_start is %d and lets any user bind ports from %d; raise it back to 1024 unless that is meant (rootless containers lower it).",
				port, who, ownerWords(s), start, start),
		}, true
	case port < start && slices.ContainsFunc(s.Holders, func(h *Process) bool { return h.NetBindService }):
		return AuditFinding{Rule: RuleNonRoot, Severity: SeverityInfo,
			Message: fmt.Sprintf("Port %d is held by %s as %s, not root, through CAP_NET_BIND_SERVICE; make sure the capability was granted on purpose (setcap on the binary, or AmbientCapabilities in its unit).",
				port, who, ownerWords(s)),
		}, true
	case port < start:
		return AuditFinding{Rule: RuleNonRoot, Severity: SeverityInfo,
			Message: fmt.Sprintf("Port %d is held by %s as %s, not root, so whoever bound it had CAP_NET_BIND_SERVICE then; make sure the capability was granted on purpose.",
				port, who, ownerWords(s)),
		}, true
	}
	return AuditFinding{}, false
}

// plaintextService is a clear-text protocol, and its TLS variants.
type plaintextService struct {
	name     string
	severity Severity
	carries  string   // what goes in clear text
	tls      []uint16 // ports of its TLS variant: a listener on one beyond loopback answers the finding
	advice   string
}

var plaintextServices = map[uint16]plaintextService{
	21:  {"FTP", SeverityHigh, "passwords and files", nil, "turn it off and use sftp, or require TLS (FTPS)"},
	23:  {"Telnet", SeverityHigh, "passwords and whole sessions", nil, "turn it off and use ssh"},
	25:  {"SMTP", SeverityWarn, "mail", []uint16{465, 587}, "offer submission over TLS (465, or 587 with STARTTLS) and require TLS for logins"},
	80:  {"HTTP", SeverityWarn, "requests, cookies and passwords", []uint16{443}, "serve https on 443 and redirect port 80 to it, or bind 80 to loopback"},
	110: {"POP3", SeverityWarn, "passwords and mail", []uint16{995}, "serve pop3s on 995 and close 110"},
	143: {"IMAP", SeverityWarn, "passwords and mail", []uint16{993}, "serve imaps on 993 and close 143"},
}

// plaintext reports a clear-text protocol that listens beyond loopback
// without its TLS variant on the host.
func (a *auditor) plaintext(s *Socket) (AuditFinding, bool) {
	svc, ok := plaintextServices[s.Local.Port()]
	if !ok || s.Proto != services.TCP || s.Local.Addr().IsLoopback() || !s.InHost() ||
		slices.ContainsFunc(svc.tls, func(p uint16) bool { return a.tlsPorts[p] }) {
		return AuditFinding{}, false
	}
	without := ""
	if len(svc.tls) > 0 {
		ports := make([]string, len(svc.tls))
		for i, p := range svc.tls {
			ports[i] = fmt.Sprint(p)
		}
		without = fmt.Sprintf(", and nothing listens on its TLS port (%s)", strings.Join(ports, " or "))
	}
	return AuditFinding{Rule: RulePlaintextExposed, Severity: svc.severity,
		Message: fmt.Sprintf("%s on %s carries %s in clear text beyond loopback%s; %s.",
			svc.name, addrPort(s.Local), svc.carries, without, svc.advice),
	}, true
}

// localService is a service usually kept to loopback or a private network.
type localService struct {
	name     string
	severity Severity
	why      string
}

var localServices = map[uint16]localService{
	2375:  {"The Docker API", SeverityHigh, "anyone who reaches it controls the host as root"},
	3000:  {"A development server", SeverityWarn, "development servers are made for one machine"},
	3306:  {"MySQL", SeverityWarn, "databases are usually reached from loopback or a private network"},
	4200:  {"A development server", SeverityWarn, "development servers are made for one machine"},
	5173:  {"A development server", SeverityWarn, "development servers are made for one machine"},
	5432:  {"PostgreSQL", SeverityWarn, "databases are usually reached from loopback or a private network"},
	6379:  {"Redis", SeverityHigh, "it needs no password by default"},
	8000:  {"A development server", SeverityWarn, "development servers are made for one machine"},
	8888:  {"A notebook or development server", SeverityWarn, "development servers are made for one machine"},
	9200:  {"Elasticsearch", SeverityWarn, "it is usually reached from loopback or a private network"},
	9229:  {"A Node.js inspector", SeverityHigh, "anyone who reaches it runs code in the process"},
	11211: {"Memcached", SeverityHigh, "it needs no password, and over UDP it amplifies attacks"},
	27017: {"MongoDB", SeverityWarn, "databases are usually reached from loopback or a private network"},
}

// localExposed reports a service usually kept local that listens on a
// wildcard or a public address.
func (a *auditor) localExposed(s *Socket) (AuditFinding, bool) {
	svc, ok := localServices[s.Local.Port()]
	addr := s.Local.Addr()
	if !ok || !s.InHost() || !(addr.IsUnspecified() || (addr.IsGlobalUnicast() && !addr.IsPrivate())) {
		return AuditFinding{}, false
	}
	where := "every address of the host"
	if !addr.IsUnspecified() {
		where = "a public address"
	}
	return AuditFinding{Rule: RuleLocalServiceExposed, Severity: svc.severity,
		Message: fmt.Sprintf("%s on %s listens on %s, and %s; bind it to 127.0.0.1 or a private address, or keep the port behind a firewall.",
			svc.name, addrPort(s.Local), where, svc.why),
	}, true
}

// ephemeral reports a TCP listener inside the kernel's ephemeral range.
// Bound UDP sockets there are nearly always clients whose port the kernel
// picked, and are left alone.
func (a *auditor) ephemeral(s *Socket) (AuditFinding, bool) {
	r, port := a.cfg.Ephemeral, s.Local.Port()
	if s.Proto != services.TCP || port < r.First || port > r.Last || InRanges(a.cfg.Reserved, port) || !s.InHost() ||
		slices.Contains(a.cfg.Guessed, "ipv4.ip_local_port_range") {
		return AuditFinding{}, false
	}
	return AuditFinding{Rule: RuleEphemeralRange, Severity: SeverityInfo,
		Message: fmt.Sprintf("Port %d is in net.ipv4.ip_local_port_range (%d-%d), where the kernel picks ports for outgoing connections, so a restart may find it taken; if the port is configured rather than picked at random, move it out of the range or add it to net.ipv4.ip_local_reserved_ports.",
			port, r.First, r.Last),
	}, true
}

// firstHolder is the holder a finding names: the first whose parent does
// not hold the socket too (a forked server's master, not a worker).
func firstHolder(s *Socket) *Process {
	for _, h := range s.Holders {
		if !slices.ContainsFunc(s.Holders, func(p *Process) bool { return p.PID == h.PPID }) {
			return h
		}
	}
	if len(s.Holders) > 0 {
		return s.Holders[0]
	}
	return nil
}

// pidAndProgram names a process: "pid 812 (nginx)".
func pidAndProgram(p *Process) string {
	return fmt.Sprintf("pid %d (%s)", p.PID, ProgramName(p))
}

// ProgramName is the name a process is best known by: its executable's
// base name, or its name (comm) when the executable cannot be read.
func ProgramName(p *Process) string {
	switch {
	case p.Exe != "":
		return path.Base(p.Exe)
	case p.Name != "":
		return p.Name
	}
	return "?"
}

// programNames gives the names a process goes by: its executable's base
// name, its name (comm), and the first word of its argv[0], where
// servers such as nginx and sshd write "nginx: master process".
func programNames(p *Process) []string {
	var names []string
	if p.Exe != "" {
		names = append(names, path.Base(p.Exe))
	}
	if p.Name != "" {
		names = append(names, p.Name)
	}
	if len(p.Cmdline) > 0 {
		if n := argv0Name(p.Cmdline[0]); n != "" {
			names = append(names, n)
		}
	}
	return names
}

// goesBy reports whether the process goes by the program name: see
// programNames. A name of 15 bytes, as the kernel cuts comm, matches the
// longer names it starts (systemd-resolve is systemd-resolved).
func goesBy(p *Process, program string) bool {
	// As programNames, without making the list: this is asked of every
	// holder of every socket.
	is := func(n string) bool {
		return n != "" && (n == program || (len(n) == 15 && n == p.Name && strings.HasPrefix(program, n)))
	}
	switch {
	case p.Exe != "" && is(path.Base(p.Exe)), is(p.Name):
		return true
	case len(p.Cmdline) > 0:
		return is(argv0Name(p.Cmdline[0]))
	}
	return false
}

// argv0Name is the base name of the first word of argv[0], less a
// trailing colon: "nginx" of "nginx: master process".
func argv0Name(argv0 string) string {
	w := strings.TrimLeftFunc(argv0, unicode.IsSpace)
	if i := strings.IndexFunc(w, unicode.IsSpace); i >= 0 {
		w = w[:i]
	}
	if w == "" {
		return ""
	}
	return path.Base(strings.TrimSuffix(w, ":"))
}

func goesByAny(p *Process, programs []string) bool {
	return slices.ContainsFunc(programs, func(prog string) bool { return goesBy(p, prog) })
}
