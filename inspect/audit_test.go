package inspect

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/whoport/whoport/services"
)

// proc is a process for the audit's tests: a name, pid and uid, and an
// executable of the same name.
func proc(pid int32, name string, uid uint32) *Process {
	return &Process{PID: pid, PPID: 1, Name: name, UID: uid, Exe: "/usr/sbin/" + name, Cmdline: []string{name}}
}

// listening is a listening socket on "tcp 0.0.0.0:80" or "udp [::]:53",
// owned by root, held by the processes given.
func listening(where string, holders ...*Process) Socket {
	proto, addr, _ := strings.Cut(where, " ")
	s := Socket{Proto: services.Proto(proto), Local: netip.MustParseAddrPort(addr), State: Listen, Inode: 1, Holders: holders}
	if s.Proto == services.UDP {
		s.State = Close
	}
	if s.Local.Addr().Is6() {
		s.Family = IPv6
	}
	return s
}

// owned gives a socket another owner.
func owned(s Socket, uid uint32) Socket {
	s.UID = uid
	return s
}

// findingWords writes findings as "rule severity proto addr pid", with
// "accepted" at the end of those the policy accepts.
func findingWords(fs []AuditFinding) []string {
	var out []string
	for _, f := range fs {
		w := fmt.Sprintf("%s %s %s %s", f.Rule, f.Severity, f.Socket.Proto, addrPort(f.Socket.Local))
		if f.Holder != nil {
			w += fmt.Sprintf(" %d", f.Holder.PID)
		}
		if f.Accepted {
			w += " accepted"
		}
		out = append(out, w)
	}
	return out
}

func TestAuditRules(t *testing.T) {
	cfg := NetConfig{Ephemeral: PortRange{32768, 60999}, UnprivilegedPortStart: 1024, Reserved: []PortRange{{40000, 40000}}}
	lowered := cfg
	lowered.UnprivilegedPortStart = 80
	capable := proc(30, "caddy", 33)
	capable.NetBindService = true
	resolved := proc(40, "systemd-resolve", 102) // comm is cut to 15 bytes
	resolved.Exe = ""
	nginxWorker := proc(11, "nginx", 33)
	nginxWorker.PPID = 10
	for _, c := range []struct {
		name  string
		socks []Socket
		cfg   NetConfig
		want  []string
	}{
		{"expected programs", []Socket{
			listening("tcp 0.0.0.0:22", proc(1, "sshd", 0)),
			listening("tcp 0.0.0.0:443", proc(10, "nginx", 0), nginxWorker),
			listening("udp 127.0.0.53:53", resolved),
			listening("tcp 0.0.0.0:25", &Process{PID: 50, Name: "master", Exe: "/usr/lib/postfix/sbin/master"}),
			listening("tcp 0.0.0.0:587", &Process{PID: 50, Name: "master", Exe: "/usr/lib/postfix/sbin/master"}),
			listening("tcp 0.0.0.0:993", &Process{PID: 60, Cmdline: []string{"dovecot: imap-login"}}), // only argv[0] is known
			listening("tcp 0.0.0.0:631", proc(1, "systemd", 0)),                                       // socket activation
			listening("tcp 127.0.0.1:5432", proc(70, "postgres", 0)),                                  // not a system port
		}, cfg, nil},
		{"unexpected programs", []Socket{
			listening("tcp 127.0.0.1:25", proc(80, "nginx", 0)),
			listening("tcp [::1]:22", proc(1, "systemd", 0), proc(81, "python3", 0)), // passed on to python3
			listening("udp 0.0.0.0:53", proc(82, "node", 0)),
		}, cfg, []string{
			"unexpected-program warn tcp 127.0.0.1:25 80",
			"unexpected-program warn tcp [::1]:22 1",
			"unexpected-program warn udp 0.0.0.0:53 82",
		}},
		{"non-root holders", []Socket{
			owned(listening("tcp 0.0.0.0:443", capable), 33),
			owned(listening("tcp 0.0.0.0:80", proc(31, "nginx", 33)), 33), // the capability dropped since
			owned(listening("tcp 0.0.0.0:22", proc(32, "sshd", 7000)), 0), // root bound it and handed it over
			listening("tcp 0.0.0.0:443", proc(33, "nginx", 33)),           // root's socket
		}, cfg, []string{
			"non-root-system-port info tcp 0.0.0.0:443 30",
			"non-root-system-port info tcp 0.0.0.0:80 31",
		}},
		{"non-root holders, ip_unprivileged_port_start lowered", []Socket{
			owned(listening("tcp 0.0.0.0:443", capable), 33),
			owned(listening("tcp 0.0.0.0:22", proc(34, "sshd", 7000)), 7000),
		}, lowered, []string{
			"non-root-system-port warn tcp 0.0.0.0:443 30",
			"non-root-system-port info tcp 0.0.0.0:22 34",
		}},
		{"plaintext without TLS", []Socket{
			listening("tcp 0.0.0.0:23", proc(1, "inetd", 0)),
			listening("tcp [::]:21", proc(2, "vsftpd", 0)),
			listening("tcp 192.168.1.5:80", proc(3, "nginx", 0)),
			listening("tcp 127.0.0.1:443", proc(3, "nginx", 0)), // only on loopback: no TLS for others
			listening("tcp 0.0.0.0:110", proc(4, "dovecot", 0)),
			listening("tcp 0.0.0.0:143", proc(4, "dovecot", 0)),
			listening("tcp 0.0.0.0:25", proc(5, "exim4", 0)),
		}, cfg, []string{
			"plaintext-exposed high tcp 0.0.0.0:23 1",
			"plaintext-exposed high tcp [::]:21 2",
			"plaintext-exposed warn tcp 192.168.1.5:80 3",
			"plaintext-exposed warn tcp 0.0.0.0:110 4",
			"plaintext-exposed warn tcp 0.0.0.0:143 4",
			"plaintext-exposed warn tcp 0.0.0.0:25 5",
		}},
		{"plaintext with TLS, or on loopback", []Socket{
			listening("tcp 0.0.0.0:80", proc(3, "nginx", 0)),
			listening("tcp [::]:443", proc(3, "nginx", 0)),
			listening("tcp 0.0.0.0:110", proc(4, "dovecot", 0)),
			listening("tcp 0.0.0.0:995", proc(4, "dovecot", 0)),
			listening("tcp 0.0.0.0:143", proc(4, "dovecot", 0)),
			listening("tcp 0.0.0.0:993", proc(4, "dovecot", 0)),
			listening("tcp 0.0.0.0:25", proc(5, "exim4", 0)),
			listening("tcp 0.0.0.0:587", proc(5, "exim4", 0)),
			listening("tcp 127.0.0.1:23", proc(6, "telnetd", 0)),
			listening("udp 0.0.0.0:80", proc(3, "nginx", 0)), // not the clear-text protocol
		}, cfg, nil},
		{"services usually kept local", []Socket{
			listening("tcp 0.0.0.0:6379", proc(20, "redis-server", 999)),
			listening("tcp [::]:5432", proc(21, "postgres", 999)),
			listening("tcp 203.0.113.7:3306", proc(22, "mysqld", 999)),
			listening("udp 0.0.0.0:11211", proc(23, "memcached", 999)),
			listening("tcp [2001:db8::1]:9229", proc(24, "node", 999)),
		}, cfg, []string{
			"local-service-exposed high tcp 0.0.0.0:6379 20",
			"local-service-exposed high udp 0.0.0.0:11211 23",
			"local-service-exposed high tcp [2001:db8::1]:9229 24",
			"local-service-exposed warn tcp [::]:5432 21",
			"local-service-exposed warn tcp 203.0.113.7:3306 22",
		}},
		{"services kept local", []Socket{
			listening("tcp 127.0.0.1:6379", proc(20, "redis-server", 999)),
			listening("tcp [::1]:5432", proc(21, "postgres", 999)),
			listening("tcp 10.0.0.5:3306", proc(22, "mysqld", 999)),
			listening("tcp [fd00::5]:27017", proc(25, "mongod", 999)),
			listening("tcp 169.254.1.1:8000", proc(26, "python3", 999)),
		}, cfg, nil},
		{"ephemeral range", []Socket{
			listening("tcp 127.0.0.1:32768", proc(1, "app", 999)),
			listening("tcp [::]:60999", proc(1, "app", 999)),
			listening("tcp 127.0.0.1:32767", proc(1, "app", 999)),
			listening("tcp 127.0.0.1:61000", proc(1, "app", 999)),
			listening("tcp 127.0.0.1:40000", proc(1, "app", 999)), // reserved
			listening("udp 127.0.0.1:45000", proc(1, "app", 999)), // a client, most likely
		}, cfg, []string{
			"ephemeral-range info tcp 127.0.0.1:32768 1",
			"ephemeral-range info tcp [::]:60999 1",
		}},
		{"ephemeral range not read", []Socket{
			listening("tcp 127.0.0.1:40001", proc(1, "app", 999)),
		}, NetConfig{Ephemeral: PortRange{32768, 60999}, UnprivilegedPortStart: 1024, Guessed: []string{"ipv4.ip_local_port_range"}}, nil},
		{"hidden holders", []Socket{
			{Proto: services.TCP, Local: netip.MustParseAddrPort("0.0.0.0:22"), State: Listen, Inode: 5, Hidden: true},
			owned(Socket{Proto: services.TCP, Local: netip.MustParseAddrPort("0.0.0.0:80"), State: Listen, Inode: 6, Hidden: true}, 7000),
			{Proto: services.TCP, Local: netip.MustParseAddrPort("0.0.0.0:9090"), State: Listen, Inode: 7}, // its holder exited
		}, cfg, []string{
			"hidden-holder warn tcp 0.0.0.0:22",
			"hidden-holder warn tcp 0.0.0.0:80",
			"plaintext-exposed warn tcp 0.0.0.0:80",
			"non-root-system-port info tcp 0.0.0.0:80",
		}},
		{"listeners only", []Socket{
			{Proto: services.TCP, Local: netip.MustParseAddrPort("0.0.0.0:23"), Remote: netip.MustParseAddrPort("192.0.2.1:40000"), State: Established, Inode: 8},
			{Proto: services.UDP, Local: netip.MustParseAddrPort("0.0.0.0:6379"), Remote: netip.MustParseAddrPort("192.0.2.1:40000"), State: Established, Inode: 9},
		}, cfg, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := findingWords(Audit(c.socks, c.cfg, services.Default(), Policy{}))
			if !slices.Equal(got, c.want) {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(c.want, "\n\t"))
			}
		})
	}
}

// TestAuditMessages: each finding says what, why and what to do in one
// sentence, naming the holder.
func TestAuditMessages(t *testing.T) {
	socks := []Socket{
		listening("tcp 0.0.0.0:25", proc(80, "nginx", 0)),
		listening("tcp 0.0.0.0:23", proc(81, "inetd", 0)),
		listening("tcp 0.0.0.0:6379", proc(82, "redis-server", 999)),
		owned(listening("tcp 0.0.0.0:80", proc(83, "nginx", 33)), 33),
	}
	cfg := NetConfig{Ephemeral: PortRange{32768, 60999}, UnprivilegedPortStart: 80}
	for _, f := range Audit(socks, cfg, services.Default(), Policy{}) {
		m := f.Message
		if !strings.HasSuffix(m, ".") || strings.Count(m, ". ") > 0 || strings.Contains(m, "\n") {
			t.Errorf("%s: got %q, want one sentence", f.Rule, m)
		}
		for _, w := range map[string][]string{
			"unexpected-program 25":      {"Port 25 (smtp) is held by pid 80 (nginx)", "master, exim, exim4, …"},
			"plaintext-exposed 25":       {"SMTP on 0.0.0.0:25", "nothing listens on its TLS port (465 or 587)"},
			"plaintext-exposed 23":       {"Telnet on 0.0.0.0:23", "passwords", "use ssh"},
			"plaintext-exposed 80":       {"HTTP on 0.0.0.0:80", "(443)", "redirect"},
			"local-service-exposed 6379": {"Redis on 0.0.0.0:6379", "every address", "no password"},
			"non-root-system-port 80":    {"Port 80 is held by pid 83 (nginx) as uid 33", "ip_unprivileged_port_start is 80"},
		}[fmt.Sprintf("%s %d", f.Rule, f.Socket.Local.Port())] {
			if !strings.Contains(m, w) {
				t.Errorf("%s: got %q, want it to say %q", f.Rule, m, w)
			}
		}
	}
}

func TestAuditPolicy(t *testing.T) {
	socks := []Socket{
		listening("tcp 0.0.0.0:80", proc(10, "node", 0)),
		listening("tcp 0.0.0.0:443", proc(10, "node", 0)),
		listening("tcp 0.0.0.0:22", proc(11, "teleport", 0)),
		listening("tcp 127.0.0.1:5432", proc(12, "postgres", 999)),
		listening("tcp 0.0.0.0:5432", proc(12, "postgres", 999)),
		listening("tcp 127.0.0.1:45000", proc(13, "code-server", 999)),
		listening("tcp 0.0.0.0:70", proc(14, "gophernicus", 0)),
	}
	cfg := NetConfig{Ephemeral: PortRange{32768, 60999}, UnprivilegedPortStart: 1024}
	for _, c := range []struct {
		name   string
		policy string
		want   []string
	}{
		{"none", `{}`, []string{
			"unexpected-program warn tcp 0.0.0.0:80 10",
			"unexpected-program warn tcp 0.0.0.0:443 10",
			"unexpected-program warn tcp 0.0.0.0:22 11",
			"local-service-exposed warn tcp 0.0.0.0:5432 12",
			"ephemeral-range info tcp 127.0.0.1:45000 13",
		}},
		{"accept by rule, port and program", `{"accept": [
			{"rule": "unexpected-program", "port": 80, "program": "node"},
			{"program": "code-server", "reason": "an editor's port, picked at random"}
		]}`, []string{
			"unexpected-program warn tcp 0.0.0.0:80 10 accepted",
			"unexpected-program warn tcp 0.0.0.0:443 10",
			"unexpected-program warn tcp 0.0.0.0:22 11",
			"local-service-exposed warn tcp 0.0.0.0:5432 12",
			"ephemeral-range info tcp 127.0.0.1:45000 13 accepted",
		}},
		{"accept another program", `{"accept": [{"rule": "unexpected-program", "port": 80, "program": "nginx"}]}`, []string{
			"unexpected-program warn tcp 0.0.0.0:80 10",
			"unexpected-program warn tcp 0.0.0.0:443 10",
			"unexpected-program warn tcp 0.0.0.0:22 11",
			"local-service-exposed warn tcp 0.0.0.0:5432 12",
			"ephemeral-range info tcp 127.0.0.1:45000 13",
		}},
		{"expect more programs, and a service of its own", `{"expect": {"http": ["node"], "ssh": ["teleport"], "gopher": ["gophernicus"]}}`, []string{
			"unexpected-program warn tcp 0.0.0.0:443 10",
			"local-service-exposed warn tcp 0.0.0.0:5432 12",
			"ephemeral-range info tcp 127.0.0.1:45000 13",
		}},
		{"expect a service that has no built-in programs", `{"expect": {"gopher": ["gopherd"]}}`, []string{
			"unexpected-program warn tcp 0.0.0.0:80 10",
			"unexpected-program warn tcp 0.0.0.0:443 10",
			"unexpected-program warn tcp 0.0.0.0:22 11",
			"local-service-exposed warn tcp 0.0.0.0:5432 12",
			"unexpected-program warn tcp 0.0.0.0:70 14",
			"ephemeral-range info tcp 127.0.0.1:45000 13",
		}},
		{"change severities, the last entry winning", `{"severity": [
			{"rule": "unexpected-program", "severity": "high"},
			{"rule": "unexpected-program", "port": 443, "severity": "info"},
			{"port": 5432, "severity": "info"},
			{"rule": "ephemeral-range", "severity": "warn"}
		]}`, []string{
			"unexpected-program high tcp 0.0.0.0:80 10",
			"unexpected-program high tcp 0.0.0.0:22 11",
			"ephemeral-range warn tcp 127.0.0.1:45000 13",
			"unexpected-program info tcp 0.0.0.0:443 10",
			"local-service-exposed info tcp 0.0.0.0:5432 12",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := ParsePolicy(strings.NewReader(c.policy))
			if err != nil {
				t.Fatal(err)
			}
			got := findingWords(Audit(socks, cfg, services.Default(), p))
			if !slices.Equal(got, c.want) {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(c.want, "\n\t"))
			}
		})
	}
}

func TestGoesBy(t *testing.T) {
	for _, c := range []struct {
		p       Process
		program string
		want    bool
	}{
		{Process{Exe: "/usr/sbin/nginx", Name: "nginx"}, "nginx", true},
		{Process{Exe: "/usr/sbin/nginx"}, "ngin", false},
		{Process{Cmdline: []string{"nginx: worker process"}}, "nginx", true},
		{Process{Cmdline: []string{"sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"}}, "sshd", true},
		{Process{Cmdline: []string{"/usr/bin/python3", "-m", "http.server"}}, "python3", true},
		{Process{Cmdline: []string{"/usr/bin/python3", "-m", "http.server"}}, "http.server", false},
		{Process{Name: "systemd-resolve"}, "systemd-resolved", true}, // comm is cut to 15 bytes
		{Process{Name: "systemd-network"}, "systemd-resolved", false},
		{Process{Name: "sshd"}, "sshd-session", false}, // a short comm is not cut
		{Process{Exe: "/usr/bin/systemd-resolve"}, "systemd-resolved", false},
		{Process{}, "nginx", false},
	} {
		if got := goesBy(&c.p, c.program); got != c.want {
			t.Errorf("goesBy(%+v, %q): got %v, want %v", c.p, c.program, got, c.want)
		}
	}
}

func TestSeverity(t *testing.T) {
	for _, name := range []string{"info", "warn", "high"} {
		s, err := ParseSeverity(strings.ToUpper(name))
		if err != nil || s.String() != name {
			t.Errorf("ParseSeverity(%q): got %v, %v; want %s", strings.ToUpper(name), s, err, name)
		}
	}
	if !(SeverityInfo < SeverityWarn && SeverityWarn < SeverityHigh) {
		t.Errorf("got info %d, warn %d, high %d; want them in that order", SeverityInfo, SeverityWarn, SeverityHigh)
	}
	if _, err := ParseSeverity("critical"); err == nil {
		t.Error("ParseSeverity(critical): got no error")
	}
}

// TestAuditNetns: 0.0.0.0 inside a container's namespace is not the
// host's exposure, and its port settings are its own; the host's side of
// the published port is what is judged.
func TestAuditNetns(t *testing.T) {
	ctr := &Netns{Name: "docker:cache", Container: &Container{Runtime: "docker", ID: strings.Repeat("ab", 32), Name: "cache"}}
	inside := listening("tcp 0.0.0.0:6379", proc(40, "redis-server", 999))
	inside.Netns, inside.UID = ctr, 999
	low := listening("tcp 0.0.0.0:80", proc(41, "nginx", 101)) // a non-root port 80: fine in a container
	low.Netns, low.UID = ctr, 101
	web := listening("tcp 0.0.0.0:80", proc(41, "nginx", 101))
	web.Netns, web.UID = ctr, 101
	published := listening("tcp 0.0.0.0:6379", proc(50, "docker-proxy", 0))
	published.Netns = &Netns{Name: NetnsHost, Host: true}
	cfg := NetConfig{UnprivilegedPortStart: 1024, Ephemeral: PortRange{32768, 60999}}
	got := findingWords(Audit([]Socket{inside, low, web, published}, cfg, services.Default(), Policy{}))
	want := []string{"local-service-exposed high tcp 0.0.0.0:6379 50"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
