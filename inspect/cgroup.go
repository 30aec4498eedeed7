package inspect

import (
	"bufio"
	"bytes"
	"net/netip"
	"path"
	"strconv"
	"strings"
)

// Container is the container a process runs in.
type Container struct {
	Runtime string // "docker", "podman", "containerd", "cri-o" or "kubernetes" (a pod seen through cgroupfs)
	ID      string // the container's id, 64 hex digits
	Pod     string // the Kubernetes pod's uid, when there is one
	Name    string // the container's name, where the runtime keeps it on disk; "" when unknown
}

// ShortID gives the 12-digit id that docker ps and podman ps show.
func (c *Container) ShortID() string {
	if len(c.ID) > 12 {
		return c.ID[:12]
	}
	return c.ID
}

// cgroupPath picks the path that says who a process is from the contents
// of /proc/PID/cgroup: the unified hierarchy's ("0::/PATH") under cgroup
// v2, else v1's systemd hierarchy ("1:name=systemd:/PATH"), else the first
// controller's.
func cgroupPath(data []byte) string {
	var unified, systemd, first string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		id, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		controllers, p, ok := strings.Cut(rest, ":")
		if !ok {
			continue
		}
		switch {
		case id == "0" && controllers == "":
			unified = p
		case controllers == "name=systemd":
			systemd = p
		case first == "" && p != "/":
			first = p
		}
	}
	switch {
	case unified != "" && unified != "/":
		return unified
	case systemd != "" && systemd != "/":
		return systemd
	case first != "":
		return first
	}
	return unified // "/" or ""
}

// unitOf gives the systemd unit a cgroup path names: its last .service,
// .scope or .socket component, skipping container scopes and the user
// manager itself (user@1000.service holds the user's own units). user
// reports a unit of a user's service manager.
func unitOf(cgroup string) (unit string, user bool) {
	parts := strings.Split(strings.Trim(cgroup, "/"), "/")
	for i := len(parts) - 1; i >= 0; i-- {
		p := parts[i]
		if !strings.HasSuffix(p, ".service") && !strings.HasSuffix(p, ".scope") && !strings.HasSuffix(p, ".socket") {
			continue
		}
		if runtimeOf(p) != "" || strings.HasPrefix(p, "kubepods") {
			return "", false // a container's scope, not a unit of the host's
		}
		inUser := false
		for _, q := range parts[:i] {
			if strings.HasPrefix(q, "user@") && strings.HasSuffix(q, ".service") {
				inUser = true
			}
		}
		return p, inUser
	}
	return "", false
}

// containerOf recognizes the cgroup paths container runtimes make:
//
//	/system.slice/docker-<id>.scope                 docker, systemd driver
//	/docker/<id>                                    docker, cgroupfs driver
//	/machine.slice/libpod-<id>.scope                podman
//	/kubepods.slice/.../cri-containerd-<id>.scope   containerd under Kubernetes
//	/kubepods.slice/.../crio-<id>.scope             CRI-O under Kubernetes
//	/kubepods/burstable/pod<uid>/<id>               Kubernetes, cgroupfs driver
func containerOf(cgroup string) *Container {
	parts := strings.Split(strings.Trim(cgroup, "/"), "/")
	pod := ""
	for i, p := range parts {
		if uid, ok := podUID(p); ok {
			pod = uid
		}
		if rt := runtimeOf(p); rt != "" {
			id := strings.TrimSuffix(p[strings.LastIndex(p, "-")+1:], ".scope")
			return &Container{Runtime: rt, ID: id, Pod: pod}
		}
		if isContainerID(p) && i > 0 {
			switch {
			case parts[i-1] == "docker":
				return &Container{Runtime: "docker", ID: p}
			case pod != "":
				return &Container{Runtime: "kubernetes", ID: p, Pod: pod}
			}
		}
	}
	return nil
}

// runtimeOf names the runtime of a container scope such as
// docker-<id>.scope, or gives "".
func runtimeOf(scope string) string {
	name, ok := strings.CutSuffix(scope, ".scope")
	if !ok {
		return ""
	}
	i := strings.LastIndex(name, "-")
	if i < 0 || !isContainerID(name[i+1:]) {
		return ""
	}
	switch name[:i] {
	case "docker":
		return "docker"
	case "libpod":
		return "podman"
	case "cri-containerd":
		return "containerd"
	case "crio":
		return "cri-o"
	}
	return ""
}

// podUID finds a pod's uid in "pod<uid>" or "kubepods-burstable-pod<uid>.slice"
// (where systemd writes the uid's dashes as underscores).
func podUID(p string) (string, bool) {
	p = strings.TrimSuffix(p, ".slice")
	i := strings.LastIndex(p, "pod")
	if i < 0 || (i > 0 && p[i-1] != '-') || len(p)-i-3 < 32 {
		return "", false
	}
	return strings.ReplaceAll(p[i+3:], "_", "-"), true
}

func isContainerID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// socketUnits reads the socket units that passed a process its sockets
// from its environment (LISTEN_FDNAMES, which systemd sets to the .socket
// units' names unless FileDescriptorName= says otherwise).
func socketUnits(environ []byte) []string {
	for _, kv := range bytes.Split(environ, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("LISTEN_FDNAMES=")); ok {
			var units []string
			for _, n := range strings.Split(string(v), ":") {
				if n != "" && !containsString(units, n) {
					units = append(units, n)
				}
			}
			return units
		}
	}
	return nil
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// dockerProxyTarget reads where docker-proxy forwards a published port,
// from arguments such as "-proto tcp -host-ip 0.0.0.0 -host-port 8080
// -container-ip 172.17.0.2 -container-port 80": "172.17.0.2:80". It gives
// "" for any other command.
func dockerProxyTarget(argv []string) string {
	if len(argv) == 0 || path.Base(argv[0]) != "docker-proxy" {
		return ""
	}
	flags := argFlags(argv[1:])
	ip, err := netip.ParseAddr(flags["container-ip"])
	port, perr := strconv.ParseUint(flags["container-port"], 10, 16)
	if err != nil || perr != nil {
		return ""
	}
	target := netip.AddrPortFrom(ip, uint16(port)).String()
	if p := flags["proto"]; p != "" {
		target += "/" + p
	}
	return target
}

// argFlags reads "-name value", "--name value" and "--name=value" from
// arguments; words that are not flags are skipped.
func argFlags(args []string) map[string]string {
	flags := map[string]string{}
	for i := 0; i < len(args); i++ {
		name := strings.TrimLeft(args[i], "-")
		if name == args[i] {
			continue
		}
		if k, v, ok := strings.Cut(name, "="); ok {
			flags[k] = v
		} else if i+1 < len(args) {
			flags[name] = args[i+1]
			i++
		}
	}
	return flags
}
